/*
 * keyholder: a Windows test program that holds THROWAWAY private keys in
 * memory so that a minidump of it contains them, and a dumper for it.
 *
 *   keyholder.exe hold RSA.BLOB EC.BLOB KEY.PEM INFO.TXT QUIT.FLAG
 *       Imports RSA.BLOB (BCRYPT_RSAPRIVATE_BLOB) and EC.BLOB
 *       (BCRYPT_ECCPRIVATE_BLOB, P-256) with BCryptImportKeyPair, keeps both
 *       blob buffers and a copy of KEY.PEM in process-heap buffers and a
 *       copy of the EC blob on its stack, writes their virtual addresses to
 *       INFO.TXT, then waits (with two extra threads) until QUIT.FLAG exists.
 *
 *   keyholder.exe dump PID TYPE OUT.DMP [meminfo]
 *       Writes a minidump of process PID with MiniDumpWriteDump (dbghelp),
 *       TYPE being a MINIDUMP_TYPE number (decimal or 0x hex). With
 *       "meminfo", it also passes MiniDumpWriteDump a MemoryInfoListStream
 *       built from VirtualQueryEx as a user stream, for writers (Wine's
 *       dbghelp) that ignore MiniDumpWithFullMemoryInfo.
 *
 * Built with mingw-w64: x86_64-w64-mingw32-gcc -O1 -o keyholder.exe
 * keyholder.c -lbcrypt -ldbghelp. See ../../make-windows-dumps.sh.
 */
#include <windows.h>
#include <bcrypt.h>
#include <dbghelp.h>
#include <stdio.h>
#include <stdlib.h>

static HANDLE quit_event;

static unsigned char *read_file(const char *name, DWORD *len)
{
	HANDLE h = CreateFileA(name, GENERIC_READ, FILE_SHARE_READ, NULL,
			       OPEN_EXISTING, 0, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return NULL;
	DWORD size = GetFileSize(h, NULL), got = 0;
	/* One extra byte so a PEM copy is NUL-terminated like a C string. */
	unsigned char *buf = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, size + 1);
	if (buf == NULL || !ReadFile(h, buf, size, &got, NULL) || got != size) {
		CloseHandle(h);
		return NULL;
	}
	CloseHandle(h);
	*len = size;
	return buf;
}

static BCRYPT_KEY_HANDLE import_key(LPCWSTR alg, LPCWSTR blobtype,
				    unsigned char *blob, DWORD len)
{
	BCRYPT_ALG_HANDLE a;
	BCRYPT_KEY_HANDLE k;
	NTSTATUS st = BCryptOpenAlgorithmProvider(&a, alg, NULL, 0);
	if (st != 0) {
		fprintf(stderr, "keyholder: BCryptOpenAlgorithmProvider: 0x%lx\n", st);
		return NULL;
	}
	st = BCryptImportKeyPair(a, NULL, blobtype, &k, blob, len, 0);
	if (st != 0) {
		fprintf(stderr, "keyholder: BCryptImportKeyPair: 0x%lx\n", st);
		return NULL;
	}
	return k;
}

static DWORD WINAPI waiter(LPVOID arg)
{
	(void)arg;
	WaitForSingleObject(quit_event, INFINITE);
	return 0;
}

static int hold(char **argv)
{
	DWORD rsalen, eclen, pemlen;
	unsigned char *rsa = read_file(argv[0], &rsalen);
	unsigned char *ec = read_file(argv[1], &eclen);
	unsigned char *pem = read_file(argv[2], &pemlen);
	if (rsa == NULL || ec == NULL || pem == NULL) {
		fprintf(stderr, "keyholder: cannot read key files\n");
		return 2;
	}
	BCRYPT_KEY_HANDLE krsa = import_key(BCRYPT_RSA_ALGORITHM,
					    BCRYPT_RSAPRIVATE_BLOB, rsa, rsalen);
	BCRYPT_KEY_HANDLE kec = import_key(BCRYPT_ECDSA_P256_ALGORITHM,
					   BCRYPT_ECCPRIVATE_BLOB, ec, eclen);
	if (krsa == NULL || kec == NULL)
		return 2;

	/* A copy of the EC blob on the main thread's stack, which even a
	 * MiniDumpNormal dump captures. volatile keeps the copy. */
	volatile unsigned char ecstack[128];
	for (DWORD i = 0; i < eclen && i < sizeof ecstack; i++)
		ecstack[i] = ec[i];

	quit_event = CreateEventA(NULL, TRUE, FALSE, NULL);
	HANDLE t1 = CreateThread(NULL, 0, waiter, NULL, 0, NULL);
	HANDLE t2 = CreateThread(NULL, 0, waiter, NULL, 0, NULL);

	FILE *f = fopen(argv[3], "w");
	if (f == NULL)
		return 2;
	fprintf(f, "pid=%lu\n", GetCurrentProcessId());
	fprintf(f, "pem_va=0x%llx\npem_len=%lu\n", (unsigned long long)(ULONG_PTR)pem, pemlen);
	fprintf(f, "rsa_blob_va=0x%llx\nrsa_blob_len=%lu\n", (unsigned long long)(ULONG_PTR)rsa, rsalen);
	fprintf(f, "ec_blob_va=0x%llx\nec_blob_len=%lu\n", (unsigned long long)(ULONG_PTR)ec, eclen);
	fprintf(f, "ec_stack_va=0x%llx\nec_stack_len=%lu\n", (unsigned long long)(ULONG_PTR)ecstack,
		eclen < sizeof ecstack ? eclen : (DWORD)sizeof ecstack);
	fprintf(f, "rsa_handle=0x%llx\nec_handle=0x%llx\n",
		(unsigned long long)(ULONG_PTR)krsa, (unsigned long long)(ULONG_PTR)kec);
	fclose(f);

	while (GetFileAttributesA(argv[4]) == INVALID_FILE_ATTRIBUTES)
		Sleep(50);

	SetEvent(quit_event);
	WaitForSingleObject(t1, INFINITE);
	WaitForSingleObject(t2, INFINITE);
	/* Touch the buffers so the compiler keeps them alive to the end. */
	return (rsa[0] ^ ec[0] ^ pem[0] ^ ecstack[0]) == 0x100;
}

/* meminfo builds a MINIDUMP_MEMORY_INFO_LIST of process p from VirtualQueryEx. */
static void *meminfo(HANDLE p, ULONG *size)
{
	SYSTEM_INFO si;
	GetSystemInfo(&si);
	ULONG64 n = 0, cap = 4096;
	MINIDUMP_MEMORY_INFO_LIST *l = malloc(sizeof *l + cap * sizeof(MINIDUMP_MEMORY_INFO));
	MINIDUMP_MEMORY_INFO *e = (MINIDUMP_MEMORY_INFO *)(l + 1);
	MEMORY_BASIC_INFORMATION mbi;
	for (char *va = si.lpMinimumApplicationAddress;
	     va < (char *)si.lpMaximumApplicationAddress && n < cap &&
	     VirtualQueryEx(p, va, &mbi, sizeof mbi) == sizeof mbi;
	     va = (char *)mbi.BaseAddress + mbi.RegionSize, n++) {
		e[n].BaseAddress = (ULONG_PTR)mbi.BaseAddress;
		e[n].AllocationBase = (ULONG_PTR)mbi.AllocationBase;
		e[n].AllocationProtect = mbi.AllocationProtect;
		e[n].__alignment1 = 0;
		e[n].RegionSize = mbi.RegionSize;
		e[n].State = mbi.State;
		e[n].Protect = mbi.Protect;
		e[n].Type = mbi.Type;
		e[n].__alignment2 = 0;
	}
	l->SizeOfHeader = sizeof *l;
	l->SizeOfEntry = sizeof *e;
	l->NumberOfEntries = n;
	*size = sizeof *l + n * sizeof *e;
	return l;
}

static int dump(char **argv, int withinfo)
{
	DWORD pid = strtoul(argv[0], NULL, 0);
	MINIDUMP_TYPE type = (MINIDUMP_TYPE)strtoul(argv[1], NULL, 0);
	HANDLE p = OpenProcess(PROCESS_ALL_ACCESS, FALSE, pid);
	if (p == NULL) {
		fprintf(stderr, "keyholder: OpenProcess %lu: %lu\n", pid, GetLastError());
		return 2;
	}
	HANDLE f = CreateFileA(argv[2], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
			       FILE_ATTRIBUTE_NORMAL, NULL);
	if (f == INVALID_HANDLE_VALUE) {
		fprintf(stderr, "keyholder: create %s: %lu\n", argv[2], GetLastError());
		return 2;
	}
	MINIDUMP_USER_STREAM us = {MemoryInfoListStream, 0, NULL};
	MINIDUMP_USER_STREAM_INFORMATION usi = {1, &us};
	if (withinfo)
		us.Buffer = meminfo(p, &us.BufferSize);
	if (!MiniDumpWriteDump(p, pid, f, type, NULL, withinfo ? &usi : NULL, NULL)) {
		fprintf(stderr, "keyholder: MiniDumpWriteDump: 0x%lx\n", GetLastError());
		return 2;
	}
	CloseHandle(f);
	CloseHandle(p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "hold") == 0)
		return hold(argv + 2);
	if ((argc == 5 || (argc == 6 && strcmp(argv[5], "meminfo") == 0)) &&
	    strcmp(argv[1], "dump") == 0)
		return dump(argv + 2, argc == 6);
	fprintf(stderr, "usage: keyholder hold RSA.BLOB EC.BLOB KEY.PEM INFO.TXT QUIT.FLAG\n"
			"       keyholder dump PID TYPE OUT.DMP [meminfo]\n");
	return 2;
}
