/**
 * A lean WebSocket client for load generation. During setup it parses every frame and matches
 * results to requests; a scenario then installs its own `onFrame` handler for the measured phase.
 */
import WebSocket from 'ws';
import { nowUs } from './clock.ts';
import { RawWs, type WsLike } from './raw-ws.ts';

export type FrameHandler = (raw: string, atUs: number) => void;

/** Which WebSocket client the load generator uses: the lean built-in one or the `ws` package. */
export type ClientLib = 'raw' | 'ws';

class WsPackage implements WsLike {
  constructor(readonly ws: WebSocket) {}
  send(text: string): void {
    this.ws.send(text);
  }
  close(): void {
    this.ws.terminate();
  }
}

export class BenchConn {
  private nextId = 1_000_000_000;
  private readonly pending = new Map<number, (event: any) => void>();
  private hello: ((ok: boolean, why?: string) => void) | undefined;
  /** The current frame handler; the default one serves `request`. */
  onFrame: FrameHandler = (raw) => this.setupFrame(raw);

  socket: WsLike = { send: () => undefined, close: () => undefined };
  /** Set when the server closed the connection. */
  closedWhy: string | undefined;

  static async connect(wsUrl: string, token: string, lib: ClientLib = 'raw'): Promise<BenchConn> {
    const conn = new BenchConn();
    const hello = new Promise<BenchConn>((resolve, reject) => {
      conn.hello = (ok, why) => (ok ? resolve(conn) : reject(new Error(why)));
    });
    const headers = { authorization: `Bearer ${token}` };
    const closed = (why: string) => {
      conn.closedWhy = why;
      conn.hello?.(false, why);
    };
    if (lib === 'raw') {
      conn.socket = await RawWs.open(wsUrl, headers, (text) => conn.onFrame(text, nowUs()), closed);
    } else {
      const ws = new WebSocket(wsUrl, { headers, perMessageDeflate: false });
      ws.on('message', (data: Buffer) => conn.onFrame(data.toString('utf8'), nowUs()));
      ws.once('error', (e) => closed(e.message));
      ws.once('close', (code) => closed(`closed ${code}`));
      conn.socket = new WsPackage(ws);
    }
    return hello;
  }

  private setupFrame(raw: string): void {
    for (const event of JSON.parse(raw) as any[]) {
      if (event.type === 'hello') {
        this.hello?.(true);
        this.hello = undefined;
      } else if (event.type === 'result') {
        if (event.id === null && !event.ok) this.hello?.(false, JSON.stringify(event.error));
        const resolve = this.pending.get(event.id);
        if (resolve) {
          this.pending.delete(event.id);
          resolve(event);
        }
      }
    }
  }

  /** Sends a request frame and resolves with its result event (setup phase only). */
  request(frame: Record<string, unknown>): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.send(JSON.stringify({ ...frame, id }));
    });
  }

  /** Joins a room; throws unless the result is ok. */
  async join(room: string): Promise<any> {
    const r = await this.request({ type: 'join', room });
    if (!r.ok) throw new Error(`join failed: ${JSON.stringify(r.error)}`);
    return r.data;
  }

  close(): void {
    this.socket.close();
  }
}

/** Connects (and optionally joins) many clients, `parallel` handshakes at a time. */
export async function connectAll(
  wsUrl: string,
  specs: readonly { token: string; room?: string | undefined }[],
  lib: ClientLib = 'raw',
  parallel = 50,
): Promise<BenchConn[]> {
  const conns: BenchConn[] = new Array<BenchConn>(specs.length);
  let next = 0;
  const lane = async () => {
    while (next < specs.length) {
      const i = next++;
      const spec = specs[i];
      if (spec === undefined) continue;
      const conn = await BenchConn.connect(wsUrl, spec.token, lib);
      if (spec.room !== undefined) await conn.join(spec.room);
      conns[i] = conn;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, specs.length) }, lane));
  return conns;
}
