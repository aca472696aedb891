/* The qemu mps2-an386 board as the examples see it: host I/O over Arm semihosting, exit status, and an
 * instruction counter built on SysTick (exact under `qemu-system-arm -icount shift=6`, see docs/mcu.md). */
#ifndef BOARD_H
#define BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Exit status reported by qemu when the firmware faults (any status below 256 passes through unchanged). */
#define BOARD_EXIT_FAULT 125

/* Ends the emulation; qemu exits with `status` (semihosting SYS_EXIT_EXTENDED, ADP_Stopped_ApplicationExit). */
void board_exit(int status) __attribute__((noreturn));

/* Writes a NUL-terminated string to qemu's stdout (SYS_WRITE0). */
void board_puts(const char *text);

/* Opens a host file for binary reading, relative to qemu's working directory; returns a handle, or -1. */
int board_open(const char *path);

/* Length of an open host file in bytes, or -1. */
long board_file_length(int handle);

/* Reads up to `bytes` bytes; returns how many were read (fewer only at the end of the file), or -1. */
long board_read(int handle, void *buffer, size_t bytes);

void board_close(int handle);

/* Line-buffered text output on top of board_puts: one semihosting call per line. */
void board_print(const char *text);
void board_print_u64(uint64_t value);
void board_print_i64(int64_t value);
void board_println(void);

/* Starts SysTick from the 25 MHz processor clock with the full 24-bit reload and its wrap interrupt. */
void board_counter_start(void);

/* SysTick ticks since board_counter_start, wraps included (the wrap interrupt counts them). Executes the
 * same instructions on every call (unless a wrap lands between its two reads), so the cost of a
 * measurement is a constant that callers measure once and subtract. */
uint64_t board_ticks(void);

/* Instructions executed between board_counter_start and the board_ticks() call that returned `ticks`.
 * Exact under -icount shift=6 (docs/mcu.md): each instruction lasts 2^6 = 64 ns of virtual time, 1.6 ticks
 * of the 25 MHz clock, so after k instructions the counter shows floor(1.6 k + phase) ticks for a constant
 * phase (qemu's timer starts on an instruction boundary; examples/icount measures the phase in [0.4, 1.0)).
 * Rounding ticks / 1.6 to the nearest integer recovers k exactly for every phase in that range. Convert
 * after measuring, not between the reads: the 64-bit division takes a data-dependent number of instructions. */
uint64_t board_ticks_to_instructions(uint64_t ticks);

#endif /* BOARD_H */
