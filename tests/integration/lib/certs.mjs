// Test certificates, made fresh for each run with the openssl command line.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A CA, and server certificates for 127.0.0.1 signed by it, made fresh for this run.
export function makeCa(dir) {
  const file = (name) => join(dir, name);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=test-ca', '-keyout', file('ca.key'), '-out', file('ca.pem')], { stdio: 'ignore' });
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  return (name) => {
    execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`,
      '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`)], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
      '-CAcreateserial', '-days', '1', '-extfile', file('san.ext'), '-out', file(`${name}.pem`)], { stdio: 'ignore' });
    return { cert: file(`${name}.pem`), key: file(`${name}.key`) };
  };
}
