/// Shim over the system libxml2 (Debian/Ubuntu `libxml2-dev`, pkg-config `libxml-2.0`).
///
/// Only AWSXML imports this module; nothing else in prenv should talk to libxml2 directly.
#ifndef PRENV_CLIBXML2_SHIM_H
#define PRENV_CLIBXML2_SHIM_H

/// xmlversion.h must come first: Debian builds libxml2 with ICU, and `encoding.h` then pulls in
/// `<unicode/ucnv.h>`, whose ICU module clashes with the ICU copy that Foundation ships. We never use
/// libxml2's ICU conversion, so we pretend it is off before any other libxml2 header is read.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

/// `xmlFree` is a global mutable C function-pointer variable, which Swift 6 strict concurrency
/// rejects ("not concurrency-safe"). Calling it through a function keeps the read on the C side.
static inline void prenv_xmlFree(void *pointer) {
    xmlFree(pointer);
}

#endif /* PRENV_CLIBXML2_SHIM_H */
