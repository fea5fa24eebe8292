import { spawnSync } from 'node:child_process';

// Signatures from another implementation than the senders' own: OpenSSL's command line, else
// Python's hmac module. Never the library's signers, so a shared mistake cannot pass unseen.

const PYTHON_HMAC =
  'import hmac, sys; print(hmac.new(sys.argv[1].encode(), sys.stdin.buffer.read(), sys.argv[2]).hexdigest())';
const runs = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const HMAC_TOOL = runs('openssl', ['version'])
  ? 'openssl'
  : runs('python3', ['--version'])
    ? 'python3'
    : null;

/** hex(HMAC-<algorithm>(secret, body)), computed by openssl (else python3). */
export function independentHmac(
  algorithm: 'sha256' | 'sha512',
  secret: string,
  body: string | Buffer,
): string {
  if (HMAC_TOOL === null) throw new Error('this suite needs openssl or python3 to compute signatures');
  const [command, args] =
    HMAC_TOOL === 'openssl'
      ? ['openssl', ['dgst', `-${algorithm}`, '-hmac', secret, '-r']]
      : ['python3', ['-c', PYTHON_HMAC, secret, algorithm]];
  const run = spawnSync(command, args, { input: body, encoding: 'utf8' });
  const digest = new RegExp(`^[0-9a-f]{${algorithm === 'sha512' ? 128 : 64}}`).exec(run.stdout ?? '');
  if (run.status !== 0 || digest === null) throw new Error(`${command} failed: ${run.stderr}`);
  return digest[0];
}
