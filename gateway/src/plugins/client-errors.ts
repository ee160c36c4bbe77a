import type { Duplex } from 'node:stream';

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

/**
 * Answers requests that node:http refuses before they reach the gateway (oversized headers or URLs, malformed
 * HTTP) with a GraphQL-shaped JSON error instead of Node's empty default, so clients always get `errors[].extensions.code`.
 */
export function createClientErrorPlugin() {
  return {
    onClientError(err: Error & { code?: string }, socket: Duplex) {
      if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const message = status === 431 ? 'Request header fields (or URL) too large' : status === 408 ? 'Request timeout' : 'Malformed HTTP request';
      const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
      socket.end(`HTTP/1.1 ${status} ${REASONS[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    },
  };
}
