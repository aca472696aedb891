/* Host I/O through Arm semihosting ("Semihosting for AArch32 and AArch64", version 2.0): the operation
 * number in r0, a pointer to its argument block in r1, `bkpt 0xab` on M-profile cores, the result in r0.
 * qemu answers these when started with -semihosting-config enable=on,target=native. */
#include <string.h>
#include "board.h"

/* Operation numbers, semihosting specification section 6. */
#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITE0 0x04
#define SYS_READ 0x06
#define SYS_FLEN 0x0C
#define SYS_EXIT_EXTENDED 0x20

/* Reason code of SYS_EXIT(_EXTENDED) for a normal application exit, section 6.5.2. */
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

/* SYS_OPEN mode 1 is fopen's "rb", section 6.1. */
#define OPEN_MODE_READ_BINARY 1

static int semihost(int operation, const void *arguments)
{
    register int r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = arguments;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void board_exit(int status)
{
    /* SYS_EXIT_EXTENDED carries the status as the subcode; plain AArch32 SYS_EXIT can only say 0 or 1. */
    const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
    semihost(SYS_EXIT_EXTENDED, block);
    for (;;) {
    }
}

void board_puts(const char *text)
{
    semihost(SYS_WRITE0, text);
}

int board_open(const char *path)
{
    const uint32_t block[3] = {(uint32_t)(uintptr_t)path, OPEN_MODE_READ_BINARY, (uint32_t)strlen(path)};
    return semihost(SYS_OPEN, block);
}

long board_file_length(int handle)
{
    const uint32_t block[1] = {(uint32_t)handle};
    return semihost(SYS_FLEN, block);
}

long board_read(int handle, void *buffer, size_t bytes)
{
    const uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buffer, (uint32_t)bytes};
    /* SYS_READ returns the number of bytes NOT read (section 6.11). */
    int left = semihost(SYS_READ, block);
    return left < 0 || (size_t)left > bytes ? -1 : (long)(bytes - (size_t)left);
}

void board_close(int handle)
{
    const uint32_t block[1] = {(uint32_t)handle};
    semihost(SYS_CLOSE, block);
}
