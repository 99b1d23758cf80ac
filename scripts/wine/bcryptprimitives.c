/*
 * bcryptprimitives.dll for Wine 8, which has none. Go 1.24 and later take all
 * their random numbers from ProcessPrng, which Windows 10 and later export
 * from bcryptprimitives.dll; a Go program under Wine 8 dies at start without
 * it. This one fills the buffer from RtlGenRandom (SystemFunction036 in
 * advapi32.dll), which Wine has. For scripts/test-windows.sh only: it is
 * installed into a throwaway Wine prefix, never shipped.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
