import { randomBytes } from 'node:crypto';
import type { NoteModel } from '../../connectors/ordermesh/contract.ts';
import { SimRefusal } from './state.ts';

/** Notes on orders, with every create counted by its externalId (a duplicate check counts requests). */
export class SimNotes {
  readonly notes = new Map<string, NoteModel>();
  readonly createRequests = new Map<string, number>();
  readonly updateRequests = new Map<string, number>();

  create(entityId: string, text: string, externalId: string | null | undefined, exists: (orderId: string) => boolean): NoteModel {
    if (externalId) this.createRequests.set(externalId, (this.createRequests.get(externalId) ?? 0) + 1);
    if (!exists(entityId)) throw new SimRefusal(404, `order ${entityId} not found`);
    const now = new Date().toISOString();
    const note: NoteModel = { id: randomBytes(12).toString('hex'), entityType: 'Order', entityId, text, externalId: externalId ?? null, author: 'api', createdAt: now, updatedAt: now };
    this.notes.set(note.id, note);
    return note;
  }

  /** OrderMesh's own staff writing on an order (what an operator then sees in `status --order`). */
  addStaffNote(entityId: string, text: string): NoteModel {
    const now = new Date().toISOString();
    const note: NoteModel = { id: randomBytes(12).toString('hex'), entityType: 'Order', entityId, text, externalId: null, author: 'customer-care', createdAt: now, updatedAt: now };
    this.notes.set(note.id, note);
    return note;
  }

  of(entityType: string | undefined, entityId: string | undefined): NoteModel[] {
    return [...this.notes.values()].filter((n) => (!entityType || n.entityType === entityType) && (!entityId || n.entityId === entityId));
  }

  update(id: string, text: string): NoteModel {
    const n = this.notes.get(id);
    if (!n) throw new SimRefusal(404, `note ${id} not found`);
    this.updateRequests.set(id, (this.updateRequests.get(id) ?? 0) + 1);
    n.text = text;
    n.updatedAt = new Date().toISOString();
    return n;
  }
}
