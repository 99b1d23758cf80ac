/*
 * holdopen FILE FLAG: opens FILE for writing and shares it with no one, as a
 * dump writer that has not finished may; creates FLAG once it holds FILE, and
 * keeps it open until FLAG is removed (at most a minute). For
 * scripts/test-windows.sh: gate must leave such a dump in the spool.
 */
#include <windows.h>

int wmain(int argc, wchar_t **argv)
{
	HANDLE h, f;
	int i;

	if (argc != 3)
		return 2;
	h = CreateFileW(argv[1], GENERIC_WRITE, 0, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return 1;
	f = CreateFileW(argv[2], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	if (f == INVALID_HANDLE_VALUE)
		return 1;
	CloseHandle(f);
	for (i = 0; i < 600 && GetFileAttributesW(argv[2]) != INVALID_FILE_ATTRIBUTES; i++)
		Sleep(100);
	CloseHandle(h);
	return 0;
}
