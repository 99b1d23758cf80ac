// node-keys.js READY KEY.pem...: a token-signing service as Node.js runs one.
// Each key is read from its PEM file, converted to DER and loaded with
// crypto.createPrivateKey; the file's bytes and the DER are then zeroed, so
// the process holds the key only inside OpenSSL (BIGNUMs, the Ed25519 seed)
// and no certificate. It signs once with each key, writes READY and waits.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const [ready, ...files] = process.argv.slice(2);
const held = [];

// pemToDER decodes the base64 body of a PEM buffer into a new Buffer without
// making a JavaScript string of it: V8 strings cannot be wiped.
function pemToDER(pem) {
  const val = (c) => c >= 65 && c <= 90 ? c - 65 : c >= 97 && c <= 122 ? c - 71 :
    c >= 48 && c <= 57 ? c + 4 : c === 43 ? 62 : c === 47 ? 63 : -1;
  const out = Buffer.alloc(pem.length);
  let n = 0, acc = 0, bits = 0;
  for (let i = 0; i < pem.length; i++) {
    const c = pem[i];
    if (c === 10) continue;
    if (isArmour(pem, i)) continue;
    const v = val(c);
    if (v < 0) continue;
    acc = (acc << 6) | v; bits += 6;
    if (bits >= 8) { bits -= 8; out[n++] = (acc >> bits) & 0xff; }
  }
  acc = 0;
  const der = Buffer.alloc(n);
  out.copy(der, 0, 0, n);
  out.fill(0);
  return der;
}

// isArmour reports whether byte i of pem is on a "-----BEGIN/END" line.
function isArmour(pem, i) {
  let s = i;
  while (s > 0 && pem[s - 1] !== 10) s--;
  return pem[s] === 45;
}
for (const f of files) {
  const pem = fs.readFileSync(f);
  const der = pemToDER(pem);
  const key = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  pem.fill(0);
  const alg = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  crypto.sign(alg, Buffer.from('token'), key);
  held.push(key);
}
if (global.gc) global.gc();
fs.writeFileSync(ready, 'pid ' + process.pid + '\nready\n');
setInterval(() => held.length, 1 << 30);
