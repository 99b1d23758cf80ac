// Command mkblobs turns THROWAWAY test keys into the CNG key blobs that
// keyholder.exe imports with BCryptImportKeyPair. It is run by
// testdata/dumps/make-windows-dumps.sh and is not part of dumpguard.
//
//	go run ./testdata/dumps/windows/src/mkblobs RSA.PEM RSA.BLOB EC.PEM EC.BLOB
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"os"
)

const (
	rsaPrivateMagic  = 0x32415352 // BCRYPT_RSAPRIVATE_MAGIC, "RSA2"
	eccP256PrivMagic = 0x32534345 // BCRYPT_ECDSA_PRIVATE_P256_MAGIC, "ECS2"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: mkblobs RSA.PEM RSA.BLOB EC.PEM EC.BLOB")
		os.Exit(2)
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mkblobs:", err)
		os.Exit(1)
	}
}

func run(a []string) error {
	k, err := parse(a[0])
	if err != nil {
		return err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok || len(rk.Primes) != 2 {
		return fmt.Errorf("%s: not a two-prime rsa key", a[0])
	}
	e := be(uint64(rk.E))
	n, p, q := rk.N.Bytes(), rk.Primes[0].Bytes(), rk.Primes[1].Bytes()
	b := u32s(rsaPrivateMagic, uint32(rk.N.BitLen()), uint32(len(e)), uint32(len(n)), uint32(len(p)), uint32(len(q)))
	b = append(append(append(append(b, e...), n...), p...), q...)
	if err := os.WriteFile(a[1], b, 0o644); err != nil {
		return err
	}

	k, err = parse(a[2])
	if err != nil {
		return err
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return fmt.Errorf("%s: not a p-256 key", a[2])
	}
	pub, err := ek.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return err
	}
	d, err := ek.Bytes()
	if err != nil {
		return err
	}
	b = append(append(u32s(eccP256PrivMagic, 32), pub[1:]...), d...)
	return os.WriteFile(a[3], b, 0o644)
}

func parse(name string) (any, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(raw)
	if blk == nil {
		return nil, fmt.Errorf("%s: no pem block", name)
	}
	switch blk.Type {
	case "PRIVATE KEY":
		return x509.ParsePKCS8PrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(blk.Bytes)
	}
	return nil, fmt.Errorf("%s: unexpected pem type %q", name, blk.Type)
}

func u32s(v ...uint32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, x)
	}
	return b
}

func be(v uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, v)
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}
