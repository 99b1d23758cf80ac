//go:build !purego

#include "textflag.h"

// Bytes 0-1 and 6-7 of each of the four 64-bit words of a 32-byte block.
DATA lowLanes<>+0(SB)/8, $0x000000000000ffff
DATA lowLanes<>+8(SB)/8, $0x000000000000ffff
DATA lowLanes<>+16(SB)/8, $0x000000000000ffff
DATA lowLanes<>+24(SB)/8, $0x000000000000ffff
GLOBL lowLanes<>(SB), RODATA|NOPTR, $32
DATA topLanes<>+0(SB)/8, $0xffff000000000000
DATA topLanes<>+8(SB)/8, $0xffff000000000000
DATA topLanes<>+16(SB)/8, $0xffff000000000000
DATA topLanes<>+24(SB)/8, $0xffff000000000000
GLOBL topLanes<>(SB), RODATA|NOPTR, $32

// func skipAVX2(b []byte, a, c uint16) int
TEXT ·skipAVX2(SB), NOSPLIT, $0-40
	MOVQ    b_base+0(FP), SI
	MOVQ    b_len+8(FP), CX
	MOVWQZX a+24(FP), AX
	MOVWQZX c+26(FP), BX
	MOVQ    AX, X2
	VPBROADCASTW X2, Y2 // a in every lane
	MOVQ    BX, X3
	VPBROADCASTW X3, Y3 // c in every lane
	VPXOR   Y4, Y4, Y4  // zero
	VPCMPEQW Y5, Y5, Y5 // all ones
	VMOVDQU topLanes<>(SB), Y6
	VMOVDQU lowLanes<>(SB), Y7
	XORQ    DX, DX

loop:
	LEAQ    32(DX), R8
	CMPQ    R8, CX
	JA      done
	VMOVDQU (SI)(DX*1), Y0
	VPCMPEQW Y0, Y4, Y8
	VPCMPEQW Y0, Y5, Y9
	VPOR    Y8, Y9, Y8
	VPAND   Y6, Y8, Y8  // a top 16 bits all zero or all one
	VPCMPEQW Y0, Y2, Y9
	VPCMPEQW Y0, Y3, Y10
	VPOR    Y9, Y10, Y9
	VPAND   Y7, Y9, Y9  // low 16 bits a or c
	VPOR    Y8, Y9, Y8
	VPMOVMSKB Y8, R9
	TESTL   R9, R9
	JNZ     found
	MOVQ    R8, DX
	JMP     loop

found:
	BSFL    R9, R9
	ANDL    $0xfffffff8, R9 // the word's first byte
	ADDQ    R9, DX

done:
	MOVQ    DX, ret+32(FP)
	VZEROUPPER
	RET
