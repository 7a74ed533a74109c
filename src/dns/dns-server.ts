/**
 * The cluster DNS server: answers names in the cluster domain from records.ts over UDP and TCP, and
 * forwards every other name to the host's resolvers, relaying their answer unchanged.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import * as packet from 'dns-packet';
import { answerQuestion, type ClusterView } from './records.js';

const FORWARD_TIMEOUT_MS = 2000;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

export interface DnsServerOptions {
  address: string;
  port: number;
  view: ClusterView;
  /** The host's nameservers, asked in order for names outside the cluster domain. */
  upstreams: string[];
  domain?: string;
}

function reply(query: packet.DecodedPacket, rcode: number, answers: packet.Answer[]): Buffer {
  const rd = query.flag_rd ? packet.RECURSION_DESIRED : 0;
  return packet.encode({
    type: 'response', id: query.id, flags: packet.AUTHORITATIVE_ANSWER | packet.RECURSION_AVAILABLE | rd | rcode,
    questions: query.questions, answers,
  });
}

export class DnsServer {
  private udp?: Socket;
  private tcp?: Server;

  constructor(private readonly opts: DnsServerOptions) {}

  async start(): Promise<void> {
    const udp = createSocket('udp4');
    this.udp = udp;
    udp.on('message', (msg, rinfo) => {
      void this.handle(msg).then((out) => { if (out) udp.send(out, rinfo.port, rinfo.address); });
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(this.opts.port, this.opts.address, () => { udp.off('error', reject); resolve(); });
    });
    udp.on('error', () => undefined);
    const tcp = createServer((sock) => {
      let buf = Buffer.alloc(0);
      sock.on('error', () => sock.destroy());
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + msg.length);
          void this.handle(Buffer.from(msg)).then((out) => {
            if (!out || sock.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(out.length);
            sock.write(Buffer.concat([len, out]));
          });
        }
      });
    });
    this.tcp = tcp;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(this.opts.port, this.opts.address, () => { tcp.off('error', reject); resolve(); });
    });
  }

  /** The reply to one message, or undefined for something that is not a query. */
  async handle(msg: Buffer): Promise<Buffer | undefined> {
    let query: packet.DecodedPacket;
    try {
      query = packet.decode(msg);
    } catch {
      return undefined;
    }
    if (query.type !== 'query') return undefined;
    const q = query.questions?.[0];
    if (!q) return reply(query, RCODE.SERVFAIL, []);
    const local = answerQuestion(q, this.opts.view, this.opts.domain);
    if (local) return reply(query, RCODE[local.rcode], local.answers as packet.Answer[]);
    return (await this.forward(msg)) ?? reply(query, RCODE.SERVFAIL, []);
  }

  private async forward(msg: Buffer): Promise<Buffer | undefined> {
    for (const server of this.opts.upstreams) {
      const out = await new Promise<Buffer | undefined>((resolve) => {
        const s = createSocket(server.includes(':') ? 'udp6' : 'udp4');
        const done = (v: Buffer | undefined): void => {
          clearTimeout(timer);
          s.close();
          resolve(v);
        };
        const timer = setTimeout(() => done(undefined), FORWARD_TIMEOUT_MS);
        s.on('error', () => done(undefined));
        s.on('message', (m) => done(m));
        s.send(msg, 53, server);
      });
      if (out) return out;
    }
    return undefined;
  }

  async stop(): Promise<void> {
    this.udp?.close();
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
  }
}
