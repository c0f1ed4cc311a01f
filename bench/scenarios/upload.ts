/**
 * `upload`: the server memory a large file upload costs. One user uploads a file (100 MB by
 * default) through the files API (a one-time token, then a streamed PUT); the server's resident
 * memory (RSS) is sampled every 20 ms before, during and after the upload. The figure is the peak
 * during the upload minus the baseline just before it (target: under 64 MB).
 */
import { request } from 'node:http';
import { sleep } from '../lib/clock.ts';
import {
  COMMON,
  num,
  removeDir,
  serverSpec,
  startServer,
  tempDataDir,
  type Scenario,
} from '../lib/scenario.ts';

const TARGET_MB = 64;
const MB = 1024 * 1024;

async function json(url: string, token: string, body: object): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

/** PUTs `bytes` of generated data in 64 KB chunks, honouring back-pressure. */
function put(url: string, token: string, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131 + 7) & 0xff;
    const req = request(
      url,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/octet-stream',
          'content-length': String(bytes),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        // A different first byte per chunk, so the body is not one repeated block.
        chunk[0] = sent & 0xff;
        if (!req.write(n === chunk.length ? Buffer.from(chunk) : chunk.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

export const upload: Scenario = {
  name: 'upload',
  summary: `server memory of one large upload, peak RSS minus baseline (target < ${TARGET_MB} MB)`,
  keys: ['rssDeltaMb', 'uploadMBps'],
  options: {
    ...COMMON,
    size: { type: 'string', default: '100', help: 'file size, MB' },
  },
  async run(values) {
    const bytes = Math.round(num(values, 'size') * MB);
    const dataDir = tempDataDir();
    try {
      const server = await startServer(
        values,
        serverSpec(values, {
          dataDir,
          users: 1,
          rooms: 1,
          tokens: true,
          maxFileKb: Math.ceil(bytes / 1024) + 1024,
        }),
      );
      const { url, tokens, rooms } = server.info;
      const token = tokens[0] ?? '';
      const room = rooms[0] ?? '';
      // Baseline: the idle server after start-up, sampled for a second.
      const idle: number[] = [];
      for (let i = 0; i < 50; i++) {
        idle.push((await server.cpu()).memory);
        await sleep(20);
      }
      const baseline = idle[idle.length - 1] ?? 0;
      const grant = await json(`${url}/api/v1/rooms/${room}/files`, token, {
        name: 'big.bin',
        contentType: 'application/octet-stream',
        size: bytes,
      });
      let peak = baseline;
      let uploading = true;
      const sampler = (async () => {
        while (uploading) {
          peak = Math.max(peak, (await server.cpu()).memory);
          await sleep(20);
        }
      })();
      const started = performance.now();
      const res = await put(`${url}${grant.uploadUrl}`, token, bytes);
      const ms = performance.now() - started;
      // A little longer: what the end of the upload (hash, rename, commit) costs counts too.
      await sleep(300);
      uploading = false;
      await sampler;
      await server.stop();
      if (res.status !== 200) throw new Error(`upload failed: ${res.status} ${res.body}`);
      const stored = JSON.parse(res.body).file.size as number;

      const deltaMb = Math.round((10 * (peak - baseline)) / MB) / 10;
      const json_ = {
        scenario: 'upload',
        params: { sizeMb: bytes / MB },
        stored,
        complete: stored === bytes,
        uploadMs: Math.round(ms),
        uploadMBps: Math.round((10 * bytes) / MB / (ms / 1000)) / 10,
        baselineRssMb: Math.round(baseline / MB),
        peakRssMb: Math.round(peak / MB),
        rssDeltaMb: deltaMb,
        target: { rssDeltaMb: TARGET_MB },
        met: deltaMb < TARGET_MB && stored === bytes,
      };
      return {
        title: `upload: one ${bytes / MB} MB file through the files API`,
        rows: [
          ['stored bytes', stored],
          ['upload time ms / MB/s', `${json_.uploadMs} / ${json_.uploadMBps}`],
          ['server RSS baseline / peak MB', `${json_.baselineRssMb} / ${json_.peakRssMb}`],
          ['peak minus baseline MB', deltaMb],
          [`target < ${TARGET_MB} MB`, json_.met ? 'MET' : 'NOT MET'],
        ],
        json: json_,
      };
    } finally {
      removeDir(dataDir, values);
    }
  },
};
