/** A load-generator role: prepared (connected, joined) before the clock starts, then run once. */
export interface Role {
  run(startUs: number): Promise<object>;
  close(): void;
}
