//go:build !purego

#include "textflag.h"

// The kernels keep the six nibble tables in registers (lo0, hi0, lo1, hi1,
// lo2, hi2 in 8 to 13) and 0x0f in every byte of 15. For a block at DX they
// look up byte j of each candidate position, buf[DX+j:], in table pair j,
// and AND the three results: a non-zero byte k is a candidate at DX+k in the
// buckets whose bits are set.

// LOOKUP ANDs into acc the buckets whose tables lo, hi accept the bytes at
// addr, using the scratch registers x, y.
#define LOOKUP(addr, lo, hi, acc, x, y) \
	VMOVDQU addr, x; \
	VPSRLW  $4, x, y; \
	VPAND   Y15, x, x; \
	VPAND   Y15, y, y; \
	VPSHUFB x, lo, x; \
	VPSHUFB y, hi, y; \
	VPAND   x, acc, acc; \
	VPAND   y, acc, acc

// func teddyAVX2(t *nibbles, buf []byte, out *batch) (n, next int)
TEXT ·teddyAVX2(SB), NOSPLIT, $0-56
	MOVQ t+0(FP), AX
	MOVQ buf_base+8(FP), SI
	MOVQ buf_len+16(FP), BX
	MOVQ out+32(FP), DI
	VMOVDQU 0(AX), Y8
	VMOVDQU 32(AX), Y9
	VMOVDQU 64(AX), Y10
	VMOVDQU 96(AX), Y11
	VMOVDQU 128(AX), Y12
	VMOVDQU 160(AX), Y13
	MOVL    $0x0f0f0f0f, CX
	MOVQ    CX, X15
	VPBROADCASTD X15, Y15
	SUBQ    $34, BX // the last block starts at most at len-32-2
	XORQ    DX, DX  // block offset
	XORQ    R8, R8  // blocks recorded

avx2loop:
	CMPQ DX, BX
	JGT  avx2done
	VMOVDQU (SI)(DX*1), Y0
	VPSRLW  $4, Y0, Y1
	VPAND   Y15, Y0, Y0
	VPAND   Y15, Y1, Y1
	VPSHUFB Y0, Y8, Y0
	VPSHUFB Y1, Y9, Y1
	VPAND   Y0, Y1, Y7
	LOOKUP(1(SI)(DX*1), Y10, Y11, Y7, Y0, Y1)
	LOOKUP(2(SI)(DX*1), Y12, Y13, Y7, Y0, Y1)
	VPTEST  Y7, Y7
	JNZ     avx2found
	ADDQ    $32, DX
	JMP     avx2loop

avx2found:
	VPXOR     Y6, Y6, Y6
	VPCMPEQB  Y6, Y7, Y7
	VPMOVMSKB Y7, CX
	NOTL      CX
	MOVQ      DX, (DI)(R8*8)
	MOVL      CX, 512(DI)(R8*4)
	INCQ      R8
	ADDQ      $32, DX
	CMPQ      R8, $64
	JLT       avx2loop

avx2done:
	MOVQ R8, n+40(FP)
	MOVQ DX, next+48(FP)
	VZEROUPPER
	RET

// func teddySSSE3(t *nibbles, buf []byte, out *batch) (n, next int)
TEXT ·teddySSSE3(SB), NOSPLIT, $0-56
	MOVQ  t+0(FP), AX
	MOVQ  buf_base+8(FP), SI
	MOVQ  buf_len+16(FP), BX
	MOVQ  out+32(FP), DI
	MOVOU 0(AX), X8
	MOVOU 32(AX), X9
	MOVOU 64(AX), X10
	MOVOU 96(AX), X11
	MOVOU 128(AX), X12
	MOVOU 160(AX), X13
	MOVL  $0x0f0f0f0f, CX
	MOVQ  CX, X15
	PSHUFD $0, X15, X15
	PXOR  X14, X14
	SUBQ  $18, BX // the last block starts at most at len-16-2
	XORQ  DX, DX
	XORQ  R8, R8

ssse3loop:
	CMPQ   DX, BX
	JGT    ssse3done
	MOVOU  (SI)(DX*1), X0
	MOVO   X0, X1
	PSRLW  $4, X1
	PAND   X15, X0
	PAND   X15, X1
	MOVO   X8, X7
	PSHUFB X0, X7
	MOVO   X9, X2
	PSHUFB X1, X2
	PAND   X2, X7
	MOVOU  1(SI)(DX*1), X0
	MOVO   X0, X1
	PSRLW  $4, X1
	PAND   X15, X0
	PAND   X15, X1
	MOVO   X10, X2
	PSHUFB X0, X2
	MOVO   X11, X3
	PSHUFB X1, X3
	PAND   X2, X7
	PAND   X3, X7
	MOVOU  2(SI)(DX*1), X0
	MOVO   X0, X1
	PSRLW  $4, X1
	PAND   X15, X0
	PAND   X15, X1
	MOVO   X12, X2
	PSHUFB X0, X2
	MOVO   X13, X3
	PSHUFB X1, X3
	PAND   X2, X7
	PAND   X3, X7
	PCMPEQB  X14, X7
	PMOVMSKB X7, CX
	XORL     $0xffff, CX
	JNZ      ssse3found
	ADDQ     $16, DX
	JMP      ssse3loop

ssse3found:
	MOVQ DX, (DI)(R8*8)
	MOVL CX, 512(DI)(R8*4)
	INCQ R8
	ADDQ $16, DX
	CMPQ R8, $64
	JLT  ssse3loop

ssse3done:
	MOVQ R8, n+40(FP)
	MOVQ DX, next+48(FP)
	RET
