#include "providers/virsh/quote.h"

#include "providers/host/shell_quote.h"

namespace virtplan::providers {

std::string virsh_quote(std::string_view text) { return shell_quote(text); }

std::string virsh_join(const std::vector<std::string>& words) { return shell_join(words); }

}  // namespace virtplan::providers
