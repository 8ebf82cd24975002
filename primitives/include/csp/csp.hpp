// <csp/csp.hpp> — all of csp.
#pragma once

#include "csp/channel.hpp"
#include "csp/context.hpp"
#include "csp/errors.hpp"
#include "csp/mutex.hpp"
#include "csp/once.hpp"
#include "csp/select.hpp"
#include "csp/time.hpp"
#include "csp/wait_group.hpp"
