# pyca-keys.py READY KEY.pem...: a token-signing service in Python with
# pyca/cryptography. Each key is read into a bytearray, loaded with
# load_pem_private_key, and the bytearray zeroed, so the process holds the key
# only inside OpenSSL (EVP_PKEY) and no certificate. It signs once with each
# key, writes READY and waits.
import gc, os, signal, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

ready, files = sys.argv[1], sys.argv[2:]
held = []
for f in files:
    buf = bytearray(os.path.getsize(f))
    with open(f, 'rb', buffering=0) as fh:
        fh.readinto(buf)
    key = serialization.load_pem_private_key(buf, password=None)
    for i in range(len(buf)):
        buf[i] = 0
    if isinstance(key, rsa.RSAPrivateKey):
        key.sign(b'token', padding.PKCS1v15(), hashes.SHA256())
    else:
        key.sign(b'token', ec.ECDSA(hashes.SHA256()))
    held.append(key)
del buf
gc.collect()
with open(ready, 'w') as fh:
    fh.write('pid %d\nready\n' % os.getpid())
signal.pause()
