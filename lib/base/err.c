#include "base/err.h"

static const char *const err_text[] = {
#define IOT_ERR_TEXT(name, text) text,
	IOT_ERRORS(IOT_ERR_TEXT)
#undef IOT_ERR_TEXT
};

static const char *const err_name[] = {
#define IOT_ERR_NAME(name, text) #name,
	IOT_ERRORS(IOT_ERR_NAME)
#undef IOT_ERR_NAME
};

const char *iot_strerror(iot_err err)
{
	if ((unsigned)err >= IOT_E__COUNT)
		return "unknown error";
	return err_text[err];
}

const char *iot_errname(iot_err err)
{
	if ((unsigned)err >= IOT_E__COUNT)
		return "IOT_E_UNKNOWN";
	return err_name[err];
}
