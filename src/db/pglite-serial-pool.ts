import { PGlitePool } from 'typeorm-pglite/dist/pglite-pool';

type Release = (err?: unknown) => void;
type ConnectCallback = (err: unknown, client: unknown, release: Release) => void;

/**
 * PGlite is one database session. typeorm-pglite hands that one session to every query runner at
 * once, so two requests' transactions interleave and one ROLLBACK discards the other's rows.
 * This pool lends the session to one query runner at a time, in arrival order, until it releases.
 */
export class SerialPGlitePool extends PGlitePool {
  private tail: Promise<void> = Promise.resolve();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override connect(callback: any): Promise<void> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => turn);
    return previous.then(() =>
      super.connect((err, client) => {
        let released = false;
        callback(err, client, () => {
          if (!released) {
            released = true;
            release();
          }
        });
        if (err) release();
      }),
    );
  }
}
