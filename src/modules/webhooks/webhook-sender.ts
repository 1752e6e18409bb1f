import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { guardedLookup, isForbiddenAddress } from './webhook-url';

/** What an attempt brought back. */
export interface AttemptOutcome {
  ok: boolean;
  status: number | null;
  /** Why it failed, for lastError (a status line, a timeout, a refused address). */
  error: string | null;
}

/** Bytes of a receiver's answer that are read; the rest is dropped with the connection. */
export const MAX_RESPONSE_BYTES = 4_096;

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

/**
 * One POST to a receiver. The connection resolves the host through guardedLookup (private targets
 * refused at connect time, whatever DNS said when the webhook was saved); redirects are not followed (a
 * 3xx is a failed attempt); the answer is read up to MAX_RESPONSE_BYTES; the whole attempt, from connect
 * to the last byte, is abandoned after `timeoutMs`.
 */
export function postWebhook(target: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      finish({ ok: false, status: null, error: 'url is not a URL' });
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // An address literal is never looked up: check it here (the setting may have changed since it was saved).
    if (!options.allowPrivate && net.isIP(host) && isForbiddenAddress(host)) {
      finish({ ok: false, status: null, error: 'refused: private, loopback or link-local address' });
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'omni360-webhooks/1' },
      lookup: guardedLookup(options.allowPrivate),
      agent: false,
    });
    const timer = setTimeout(() => {
      request.destroy();
      finish({ ok: false, status: null, error: `timed out after ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => {
      finish({ ok: false, status: null, error: error.code === 'EWEBHOOKPRIVATE' ? error.message : `${error.code ?? 'error'}: ${error.message}`.slice(0, 300) });
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      let read = 0;
      const chunks: Buffer[] = [];
      const done = () => {
        const ok = status >= 200 && status < 300;
        const text = Buffer.concat(chunks).toString('utf8').slice(0, 200);
        finish({
          ok,
          status,
          error: ok ? null : `HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}${text ? `: ${text}` : ''}`,
        });
      };
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        if (read >= MAX_RESPONSE_BYTES) {
          // Enough: the status decides; a receiver streaming a large body must not hold the worker.
          response.destroy();
          done();
        }
      });
      response.on('end', done);
      response.on('error', done);
      response.on('close', done);
    });
    request.end(body);
  });
}
