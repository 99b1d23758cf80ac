@echo off
rem Windows Error Reporting writes a minidump of every crashing process to the
rem spool; a scheduled task gates the spool every five minutes. Run as
rem Administrator. DumpType: 1 = minidump, 2 = full dump (holds the whole heap,
rem so keys too: gate it all the more).
set KEY=HKLM\SOFTWARE\Microsoft\Windows\Windows Error Reporting\LocalDumps
reg add "%KEY%" /v DumpFolder /t REG_EXPAND_SZ /d "C:\CrashDumps\spool" /f
reg add "%KEY%" /v DumpCount /t REG_DWORD /d 50 /f
reg add "%KEY%" /v DumpType /t REG_DWORD /d 2 /f
mkdir C:\CrashDumps\spool C:\CrashDumps\outbox C:\CrashDumps\quarantine
rem The policy is named, never picked up from the working directory; {} for the defaults.
if not exist C:\CrashDumps\policy.json echo {}> C:\CrashDumps\policy.json
icacls C:\CrashDumps /inheritance:r /grant:r SYSTEM:(OI)(CI)F Administrators:(OI)(CI)F
schtasks /Create /F /TN "dumpguard gate" /RU SYSTEM /SC MINUTE /MO 5 /TR "C:\Tools\dumpguard.exe gate --quiet --config C:\CrashDumps\policy.json --move --to C:\CrashDumps\outbox --quarantine C:\CrashDumps\quarantine C:\CrashDumps\spool"
