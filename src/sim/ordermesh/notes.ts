import { randomBytes } from 'node:crypto';
import { SimRefusal } from './refusal.ts';

/**
 * A note as the simulator answers it. The notes schemas (GetNoteResponseItemModel, …) are listed without
 * fields: ASSUMED names, kept from before; `externalId` is the client's own key for a note.
 */
export interface SimNote {
  id: string;
  entityType: 'Order';
  entityId: string;
  text: string;
  externalId: string | null;
  author: string;
  createdAt: string;
  updatedAt: string;
}

/** Notes on orders, with every create counted by its externalId (a duplicate check counts requests). */
export class SimNotes {
  readonly notes = new Map<string, SimNote>();
  readonly createRequests = new Map<string, number>();
  readonly updateRequests = new Map<string, number>();

  create(entityId: string, text: string, externalId: string | null | undefined, exists: (orderId: string) => boolean): SimNote {
    if (externalId) this.createRequests.set(externalId, (this.createRequests.get(externalId) ?? 0) + 1);
    if (!exists(entityId)) throw new SimRefusal(404, `Order ${entityId} not found`);
    return this.#add(entityId, text, externalId ?? null, 'api');
  }

  /** OrderMesh's own staff writing on an order (what an operator then sees in `status --order`). */
  addStaffNote(entityId: string, text: string): SimNote {
    return this.#add(entityId, text, null, 'customer-care');
  }

  of(entityType: string | undefined, entityId: string | undefined): SimNote[] {
    return [...this.notes.values()].filter((n) => (!entityType || n.entityType === entityType) && (!entityId || n.entityId === entityId));
  }

  update(id: string, text: string): SimNote {
    const n = this.notes.get(id);
    if (!n) throw new SimRefusal(404, `Note ${id} not found`);
    this.updateRequests.set(id, (this.updateRequests.get(id) ?? 0) + 1);
    n.text = text;
    n.updatedAt = new Date().toISOString();
    return n;
  }

  /** DELETE /v1/notes/{id} (in every portal's menu, public-facts.md #7). */
  delete(id: string): void {
    if (!this.notes.delete(id)) throw new SimRefusal(404, `Note ${id} not found`);
  }

  #add(entityId: string, text: string, externalId: string | null, author: string): SimNote {
    const now = new Date().toISOString();
    const note: SimNote = { id: randomBytes(12).toString('hex'), entityType: 'Order', entityId, text, externalId, author, createdAt: now, updatedAt: now };
    this.notes.set(note.id, note);
    return note;
  }
}
