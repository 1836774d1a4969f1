/*
 * checksum.c - Flyway's checksum of a migration script.
 *
 * Flyway (flyway-core ChecksumCalculator) reads the script line by line
 * with Java's BufferedReader.readLine(), which ends a line at "\n", "\r" or
 * "\r\n" and drops the terminator, removes a byte order mark from the first
 * line, and feeds each line's UTF-8 bytes to java.util.zip.CRC32; the
 * stored value is that CRC cast to a signed int.  So line endings never
 * change the checksum (nor does joining two lines, a quirk we keep), and
 * this is the CRC-32 of the bytes with every \r and \n left out.  Scripts
 * are taken as UTF-8 bytes as they are (Flyway's default encoding); a file
 * in another encoding would have to be decoded first, which we do not do.
 */
#include "target/target_internal.h"

#include <stdint.h>
#include <string.h>

/* CRC-32 (IEEE 802.3, reflected, as zlib and java.util.zip), a nibble at a time. */
static uint32_t crc_update(uint32_t crc, unsigned char byte)
{
	static const uint32_t nibble[16] = {
		0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
		0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
	};
	crc ^= byte;
	crc = (crc >> 4) ^ nibble[crc & 15];
	crc = (crc >> 4) ^ nibble[crc & 15];
	return crc;
}

int gk_tg_flyway_checksum(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	uint32_t crc = 0xFFFFFFFFu;
	for (; i < len; i++)
		if (p[i] != '\r' && p[i] != '\n')
			crc = crc_update(crc, p[i]);
	crc ^= 0xFFFFFFFFu;
	return (int)(int32_t)crc;
}
