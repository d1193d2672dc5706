// The simulator's own PKI: a cluster CA and a serving certificate for 127.0.0.1/localhost, made in memory on start,
// like k3s makes its server CA on first boot. Clients must trust the CA, exactly as a pod trusts its ca.crt.
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export type ClusterPki = {
  caPem: string;
  certPem: string;
  keyPem: string;
};

// RSA keys come from node:crypto (native, ~30 ms) instead of forge's pure-JS generator (~1 s),
// so starting several simulators in one process stays cheap.
function generateRsaKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    privateKey: forge.pki.privateKeyFromPem(pair.privateKey) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(pair.publicKey) as forge.pki.rsa.PublicKey,
  };
}

// Serial numbers must be positive: a leading hex digit of 1-7 keeps the DER integer's sign bit clear.
function randomSerial(): string {
  return '1' + forge.util.bytesToHex(forge.random.getBytesSync(15));
}

/** An unsigned certificate for `keys`' public key, with a fresh serial and the given validity. */
function newCertificate(keys: { publicKey: forge.pki.rsa.PublicKey }, notBefore: Date, notAfter: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  return cert;
}

export function generateClusterPki(now: Date = new Date()): ClusterPki {
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfter = new Date(now.getTime() + 365 * 24 * 60 * 60 * 1000);

  const caKeys = generateRsaKeys();
  const ca = newCertificate(caKeys, notBefore, notAfter);
  // UTF8String: '@' is not a PrintableString character, and Go's x509 parser (kubectl) rejects it there.
  // forge reads valueTagClass as the ASN.1 type of the value; @types/node-forge mistypes it as a Class.
  const utf8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;
  const caSubject = [{ name: 'commonName', value: `k3s-server-ca@${Math.floor(now.getTime() / 1000)}`, valueTagClass: utf8 }];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = generateRsaKeys();
  const server = newCertificate(serverKeys, notBefore, notAfter);
  server.setSubject([
    { name: 'organizationName', value: 'k3s' },
    { name: 'commonName', value: 'k3s' },
  ]);
  server.setIssuer(caSubject);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 2, value: 'kubernetes' },
        { type: 2, value: 'kubernetes.default' },
        { type: 2, value: 'kubernetes.default.svc' },
        { type: 2, value: 'kubernetes.default.svc.cluster.local' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    caPem: forge.pki.certificateToPem(ca),
    certPem: forge.pki.certificateToPem(server),
    keyPem: forge.pki.privateKeyToPem(serverKeys.privateKey),
  };
}
