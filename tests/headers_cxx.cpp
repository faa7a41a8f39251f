// Build-only test: the public headers compile as C++ (extern "C" guards).
#include "slotledger.h"
#include "slotledger/sys/store.h"

int sl_headers_cxx_probe();
int sl_headers_cxx_probe()
{
    sl_options o = SL_OPTIONS_INIT;
    return static_cast<int>(o.version) + SL_VERSION_MAJOR;
}
