/* Build-only test: the public headers compile as pedantic C99. */
#include "slotledger.h"
#include "slotledger/sys/store.h"

int sl_headers_c99_probe(void);
int sl_headers_c99_probe(void)
{
    sl_options o = SL_OPTIONS_INIT;
    sl_store st = SL_STORE_INIT;
    return (int)o.version + (int)st.version;
}
