/**
 * Why the embedded PostgreSQL did not start, for an operator:
 * BINARIES_UNREACHABLE (running as root, the "postgres" OS user cannot reach the package's binaries and
 * no temp folder is open to it: check the project out elsewhere, or set DATABASE_URL),
 * DATA_DIR_UNREACHABLE (the same for database.embedded.dataDir), NO_SERVER_USER (root and no "postgres"
 * user), SPAWN_FAILED (the binary could not be run at all), INITDB_FAILED, EXITED (postgres stopped
 * before it was ready: its last lines are in the message), TIMEOUT (not ready before the deadline;
 * the process was killed), START_FAILED (anything else).
 */
export type EmbeddedPostgresReason =
  | 'BINARIES_UNREACHABLE'
  | 'DATA_DIR_UNREACHABLE'
  | 'NO_SERVER_USER'
  | 'SPAWN_FAILED'
  | 'INITDB_FAILED'
  | 'EXITED'
  | 'TIMEOUT'
  | 'START_FAILED';

export class EmbeddedPostgresError extends Error {
  readonly code = 'EMBEDDED_POSTGRES_FAILED';
  readonly reason: EmbeddedPostgresReason;
  constructor(reason: EmbeddedPostgresReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
    this.reason = reason;
  }
}
