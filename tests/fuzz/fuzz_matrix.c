/* fuzz_matrix.c - matrix files: the input is the matrix, bound by a shipped
 * site (tests/e2e/sites/). The work is done in fuzz_rules.c. */
#include "fuzz_rules.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_rules(data, size, 1);
}
