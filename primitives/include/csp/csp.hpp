// <csp/csp.hpp> — all of csp.
#pragma once

#include "csp/errors.hpp"
#include "csp/wait_group.hpp"
