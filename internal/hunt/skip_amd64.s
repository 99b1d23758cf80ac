//go:build !purego

#include "textflag.h"

// func skipAVX2(b []byte) int
//
// Each 64-bit word's top 16 bits are its 16-bit lane 3: VPCMPEQW against
// zero and against all ones sets that lane's bytes, whose mask bits are bit 7
// of each byte group of 8 (0x80808080 over a 32-byte block).
TEXT ·skipAVX2(SB), NOSPLIT, $0-32
	MOVQ     b_base+0(FP), SI
	MOVQ     b_len+8(FP), CX
	VPXOR    Y4, Y4, Y4  // zero
	VPCMPEQW Y5, Y5, Y5  // all ones
	XORQ     DX, DX

loop128:
	LEAQ     128(DX), R8
	CMPQ     R8, CX
	JA       loop32
	VMOVDQU  (SI)(DX*1), Y0
	VMOVDQU  32(SI)(DX*1), Y1
	VMOVDQU  64(SI)(DX*1), Y2
	VMOVDQU  96(SI)(DX*1), Y3
	VPCMPEQW Y0, Y4, Y6
	VPCMPEQW Y0, Y5, Y0
	VPCMPEQW Y1, Y4, Y7
	VPCMPEQW Y1, Y5, Y1
	VPCMPEQW Y2, Y4, Y8
	VPCMPEQW Y2, Y5, Y2
	VPCMPEQW Y3, Y4, Y9
	VPCMPEQW Y3, Y5, Y3
	VPOR     Y6, Y0, Y0
	VPOR     Y7, Y1, Y1
	VPOR     Y8, Y2, Y2
	VPOR     Y9, Y3, Y3
	VPOR     Y0, Y1, Y0
	VPOR     Y2, Y3, Y2
	VPOR     Y0, Y2, Y0
	VPMOVMSKB Y0, R9
	ANDL     $0x80808080, R9
	JNZ      loop32 // a word passes in these four blocks: find it one block at a time
	MOVQ     R8, DX
	JMP      loop128

loop32:
	LEAQ     32(DX), R8
	CMPQ     R8, CX
	JA       done
	VMOVDQU  (SI)(DX*1), Y0
	VPCMPEQW Y0, Y4, Y6
	VPCMPEQW Y0, Y5, Y0
	VPOR     Y6, Y0, Y0
	VPMOVMSKB Y0, R9
	ANDL     $0x80808080, R9
	JNZ      found
	MOVQ     R8, DX
	JMP      loop32

found:
	BSFL     R9, R9
	ANDL     $0xfffffff8, R9 // the word's first byte
	ADDQ     R9, DX

done:
	MOVQ     DX, ret+24(FP)
	VZEROUPPER
	RET

// func mapAVX2(b []byte, bits []uint64)
//
// For each 128-byte block k of b (len(b) a multiple of 8192), bit k%64 of
// bits[k/64] says whether one of its words passes skipAVX2's test.
TEXT ·mapAVX2(SB), NOSPLIT, $0-48
	MOVQ     b_base+0(FP), SI
	MOVQ     b_len+8(FP), CX
	MOVQ     bits_base+24(FP), DI
	XORQ     DX, DX

group:
	CMPQ DX, CX
	JAE  mapdone
	XORQ R10, R10 // the group's bits
	XORQ R11, R11 // block number in the group

block:
	VMOVDQU  (SI)(DX*1), Y0
	VMOVDQU  32(SI)(DX*1), Y1
	VMOVDQU  64(SI)(DX*1), Y2
	VMOVDQU  96(SI)(DX*1), Y3
	VPSRAW   $15, Y0, Y6 // a lane is all zero or all one when it equals its sign
	VPSRAW   $15, Y1, Y7
	VPSRAW   $15, Y2, Y8
	VPSRAW   $15, Y3, Y9
	VPCMPEQW Y0, Y6, Y0
	VPCMPEQW Y1, Y7, Y1
	VPCMPEQW Y2, Y8, Y2
	VPCMPEQW Y3, Y9, Y3
	VPOR     Y0, Y1, Y0
	VPOR     Y2, Y3, Y2
	VPOR     Y0, Y2, Y0
	VPMOVMSKB Y0, R9
	ANDL     $0x80808080, R9
	JZ       nextblock
	BTSQ     R11, R10

nextblock:
	ADDQ $128, DX
	INCQ R11
	CMPQ R11, $64
	JB   block
	MOVQ R10, (DI)
	ADDQ $8, DI
	JMP  group

mapdone:
	VZEROUPPER
	RET
