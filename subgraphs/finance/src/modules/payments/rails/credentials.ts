import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Provider credentials at rest: AES-256-GCM under a 32-byte key from PAYMENT_CREDENTIALS_KEY (base64 or hex).
 * The additional authenticated data binds a ciphertext to its (tenant, rail) row, so a row copied onto another
 * tenant's config does not decrypt. Envelope: `v1.<iv>.<tag>.<ciphertext>` (base64url parts).
 */
export class CredentialVault {
  private readonly key: Buffer;

  constructor(key: string | Buffer) {
    this.key = typeof key === 'string' ? parseKey(key) : key;
    if (this.key.length !== 32) throw new Error('PAYMENT_CREDENTIALS_KEY must be 32 bytes (base64 or 64 hex characters)');
  }

  seal(tenantId: string, rail: string, secrets: Record<string, string>): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`${tenantId}:${rail}`));
    const ct = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  /** Throws when the envelope was tampered with, belongs to another row or was sealed under another key. */
  open(tenantId: string, rail: string, envelope: string): Record<string, string> {
    const [v, iv, tag, ct] = envelope.split('.');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('unknown credentials envelope');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${tenantId}:${rail}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plain = Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    return JSON.parse(plain) as Record<string, string>;
  }
}

function parseKey(text: string): Buffer {
  const t = text.trim();
  return /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
}

