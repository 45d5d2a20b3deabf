// Includes the header first: proves it is self-contained.
#include "proxy/sdk/settings.hpp"
