/* fuzz_site.c - site files: the input is the site, binding the shipped
 * matrix rules/speechexec-enterprise.json. The work is done in
 * fuzz_rules.c. */
#include "fuzz_rules.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_rules(data, size, 0);
}
