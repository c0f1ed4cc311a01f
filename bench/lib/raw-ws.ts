/**
 * A minimal WebSocket client over a plain TCP socket (RFC 6455, text frames, no extensions),
 * about half the CPU per received frame of the `ws` client. The load generator shares two cores
 * with the server, so every microsecond it spends per delivery is taken from the server or shows
 * up as latency. `--client-lib ws` switches back to the `ws` package for comparison.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface WsLike {
  send(text: string): void;
  close(): void;
}

export class RawWs implements WsLike {
  private pending: Buffer | undefined;
  private fragments: Buffer[] = [];
  private readonly mask = randomBytes(4);

  private constructor(
    private readonly socket: Socket,
    private readonly onText: (text: string) => void,
  ) {}

  /** Opens the connection; resolves after the 101 response. */
  static open(
    url: string,
    headers: Record<string, string>,
    onText: (text: string) => void,
    onClose: (why: string) => void,
  ): Promise<RawWs> {
    const u = new URL(url);
    const socket = connect({ host: u.hostname, port: Number(u.port), noDelay: true });
    const ws = new RawWs(socket, onText);
    return new Promise((resolve, reject) => {
      let head = Buffer.alloc(0);
      let open = false;
      socket.once('connect', () => {
        const lines = [
          `GET ${u.pathname}${u.search} HTTP/1.1`,
          `Host: ${u.host}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
          ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
        ];
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      });
      socket.on('data', (chunk: Buffer) => {
        if (open) return ws.onData(chunk);
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = head.toString('latin1', 0, head.indexOf('\r\n'));
        if (!/^HTTP\/1\.1 101/.test(status)) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${status}`));
          return;
        }
        open = true;
        resolve(ws);
        if (head.length > end + 4) ws.onData(head.subarray(end + 4));
      });
      socket.once('error', (e) => (open ? onClose(e.message) : reject(e)));
      socket.once('close', () => (open ? onClose('closed') : reject(new Error('closed during upgrade'))));
    });
  }

  private onData(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let at = 0;
    for (;;) {
      if (buf.length - at < 2) break;
      const b0 = buf[at] ?? 0;
      const b1 = buf[at + 1] ?? 0;
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - at < 4) break;
        len = buf.readUInt16BE(at + 2);
        head = 4;
      } else if (len === 127) {
        if (buf.length - at < 10) break;
        len = Number(buf.readBigUInt64BE(at + 2));
        head = 10;
      }
      if (b1 & 0x80) throw new Error('masked frame from the server');
      if (buf.length - at < head + len) break;
      const payload = buf.subarray(at + head, at + head + len);
      at += head + len;
      this.onFrame(b0 & 0x80 ? true : false, b0 & 0x0f, payload);
    }
    if (at < buf.length) {
      buf = buf.subarray(at);
      this.pending = Buffer.from(buf);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === 1 || opcode === 0) {
      if (fin && this.fragments.length === 0) return this.onText(payload.toString('utf8'));
      this.fragments.push(Buffer.from(payload));
      if (fin) {
        const whole = Buffer.concat(this.fragments);
        this.fragments = [];
        this.onText(whole.toString('utf8'));
      }
    } else if (opcode === 9) {
      this.write(0xa, payload);
    } else if (opcode === 8) {
      this.socket.destroy();
    }
  }

  private write(opcode: number, payload: Buffer): void {
    const n = payload.length;
    const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
    const out = Buffer.allocUnsafe(head + 4 + n);
    out[0] = 0x80 | opcode;
    if (n < 126) out[1] = 0x80 | n;
    else if (n < 65536) {
      out[1] = 0x80 | 126;
      out.writeUInt16BE(n, 2);
    } else {
      out[1] = 0x80 | 127;
      out.writeBigUInt64BE(BigInt(n), 2);
    }
    this.mask.copy(out, head);
    const m0 = this.mask[0] ?? 0;
    const m1 = this.mask[1] ?? 0;
    const m2 = this.mask[2] ?? 0;
    const m3 = this.mask[3] ?? 0;
    const base = head + 4;
    for (let i = 0; i < n; i++) {
      const k = (i & 3) === 0 ? m0 : (i & 3) === 1 ? m1 : (i & 3) === 2 ? m2 : m3;
      out[base + i] = (payload[i] ?? 0) ^ k;
    }
    // Frames written in one turn leave in one write (as a client's TCP stack coalesces them),
    // not one system call each: this halved the post benchmark's load-generator CPU.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(out);
  }

  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  send(text: string): void {
    this.write(1, Buffer.from(text, 'utf8'));
  }

  close(): void {
    this.socket.destroy();
  }
}
