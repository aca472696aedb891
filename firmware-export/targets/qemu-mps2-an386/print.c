/* Text output without printf (newlib's stdio would pull in malloc and the syscall layer): digits are formed
 * here and each line goes to the host in one SYS_WRITE0. */
#include "board.h"

static char line[160];
static size_t used;

static void flush(void)
{
    line[used] = '\0';
    board_puts(line);
    used = 0;
}

void board_print(const char *text)
{
    for (; *text != '\0'; ++text) {
        if (used == sizeof line - 1) {
            flush();
        }
        line[used++] = *text;
    }
}

void board_print_u64(uint64_t value)
{
    char digits[21];
    size_t n = sizeof digits - 1;
    digits[n] = '\0';
    do {
        digits[--n] = (char)('0' + (int)(value % 10u));
        value /= 10u;
    } while (value != 0);
    board_print(&digits[n]);
}

void board_print_i64(int64_t value)
{
    if (value < 0) {
        board_print("-");
        board_print_u64((uint64_t)0 - (uint64_t)value);
    } else {
        board_print_u64((uint64_t)value);
    }
}

void board_println(void)
{
    board_print("\n");
    flush();
}
