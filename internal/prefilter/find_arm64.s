//go:build !purego

#include "textflag.h"

// The kernel keeps the six nibble tables (lo0, hi0, lo1, hi1, lo2, hi2) in
// V8, V10, ..., V18 and 0x0f in every byte of V7. For a block at R5 it looks
// up byte j of each candidate position, buf[R5+j:], in table pair j, and ANDs
// the three results: a non-zero byte k is a candidate at R5+k in the buckets
// whose bits are set.

// LOOKUP ANDs into acc the buckets whose tables lo, hi accept the bytes of
// in, using the scratch registers x, y.
#define LOOKUP(in, lo, hi, acc, x, y) \
	VAND  V7.B16, in.B16, x.B16; \
	VUSHR $4, in.B16, y.B16; \
	VTBL  x.B16, [lo.B16], x.B16; \
	VTBL  y.B16, [hi.B16], y.B16; \
	VAND  x.B16, acc.B16, acc.B16; \
	VAND  y.B16, acc.B16, acc.B16

// func teddyNEON(t *nibbles, buf []byte, out *batch) (n, next int)
TEXT ·teddyNEON(SB), NOSPLIT, $0-56
	MOVD t+0(FP), R0
	MOVD buf_base+8(FP), R1
	MOVD buf_len+16(FP), R2
	MOVD out+32(FP), R3
	// Each table is stored twice (for AVX2); the odd registers get the copies.
	VLD1.P 32(R0), [V8.B16, V9.B16]
	VLD1.P 32(R0), [V10.B16, V11.B16]
	VLD1.P 32(R0), [V12.B16, V13.B16]
	VLD1.P 32(R0), [V14.B16, V15.B16]
	VLD1.P 32(R0), [V16.B16, V17.B16]
	VLD1.P 32(R0), [V18.B16, V19.B16]
	MOVD   $0x0f0f0f0f0f0f0f0f, R4
	VDUP   R4, V7.D2
	SUB    $18, R2, R2 // the last block starts at most at len-16-2
	MOVD   $0, R5      // block offset
	MOVD   $0, R6      // blocks recorded
	ADD    $512, R3, R13 // &out.res

loop:
	CMP    R2, R5
	BGT    done
	ADD    R1, R5, R7
	VLD1   (R7), [V0.B16]
	ADD    $1, R7, R8
	VLD1   (R8), [V1.B16]
	ADD    $2, R7, R9
	VLD1   (R9), [V2.B16]
	VAND   V7.B16, V0.B16, V3.B16
	VUSHR  $4, V0.B16, V4.B16
	VTBL   V3.B16, [V8.B16], V3.B16
	VTBL   V4.B16, [V10.B16], V4.B16
	VAND   V3.B16, V4.B16, V5.B16
	LOOKUP(V1, V12, V14, V5, V3, V4)
	LOOKUP(V2, V16, V18, V5, V3, V4)
	VMOV   V5.D[0], R10
	VMOV   V5.D[1], R11
	ORR    R10, R11, R12
	CBNZ   R12, found
	ADD    $16, R5
	B      loop

found:
	MOVD   R5, (R3)(R6<<3)
	ADD    R6<<4, R13, R14
	STP    (R10, R11), (R14)
	ADD    $1, R6
	ADD    $16, R5
	CMP    $64, R6
	BLT    loop

done:
	MOVD   R6, n+40(FP)
	MOVD   R5, next+48(FP)
	RET
