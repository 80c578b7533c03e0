/* libFuzzer target: money_parse, the parser of amounts clerks type.
 * Whatever it accepts must survive a round trip through money_plain
 * unchanged, and nothing it refuses may touch the output. */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "money.h"

/* A trap is a crash to libFuzzer, so it keeps the input. */
#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static const char *const currencies[] = { "EUR", "JPY", "BHD", "RUB" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *cur = currencies[data[0] % 4];
    int allow_negative = data[0] & 4;
    char *text = malloc(size);
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    int64_t v = 12345;
    if (money_parse(text, cur, allow_negative, &v) == 0) {
        CHECK(allow_negative || v >= 0);
        char plain[64], shown[96];
        money_plain(v, cur, plain, sizeof plain);
        money_display(v, cur, shown, sizeof shown);
        int64_t back = 0;
        CHECK(money_parse(plain, cur, 1, &back) == 0 && back == v);
    } else {
        CHECK(v == 12345);
    }
    free(text);
    return 0;
}
