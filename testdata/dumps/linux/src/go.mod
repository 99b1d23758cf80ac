module dumpguard-testdumps

go 1.26
