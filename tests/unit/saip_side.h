/* A small SAIP profile package made by the tests (TCA eUICC Profile
 * Package, PEDefinitions): what an operator's profile gives the file
 * system, written here so the tests need no outside material. */
#ifndef IOT_TEST_SAIP_SIDE_H
#define IOT_TEST_SAIP_SIDE_H

#include <stddef.h>
#include <stdint.h>

/* The package's files (beside the template defaults they rely on):
 * MF with its PINs 01 and 0A; EF.PL 2F05 "en"; EF.ICCID
 * 2FE2 (template size, ARR record 3: read always, update never) holding
 * iccid; EF.DIR 2F00 two records, the first naming the USIM; EF.ARR 2F06
 * records 1 read always / update ADM1, 2 read and update always, 3 read
 * always / update never; PINs 01 "1234" (enabled, 3 tries) and 0A
 * "88888888"; ADF.USIM (AID SAIP_USIM_AID, PINs 01 81 0A) with EF.IMSI 6F07
 * (its ARR 6F06 record 2: PIN1 for both), EF.ARR 6F06, EF.AD 6FAD (no
 * Fcp: the template's size 4, no rules); by genericFileManagement
 * DF 7F66 with EF 6F01 "CA FE FF BB" (ARR 2F06 record 2, explicit). */
#define SAIP_USIM_AID "A0000000871002FF33FF018900000100"
#define SAIP_IMSI "080910101032547698"

/* Writes the package into buf; its length (asserted to fit). */
size_t saip_test_profile(const uint8_t iccid[10], uint8_t *buf, size_t cap);

#endif
