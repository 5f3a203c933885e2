#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/rusage.h"

START_TEST(test_parse_io)
{
	struct rusage_io io;
	const char *text = "rchar: 1234\nwchar: 56\nsyscr: 7\nsyscw: 8\nread_bytes: 4096\n"
	    "write_bytes: 8192\ncancelled_write_bytes: 0\n";

	ck_assert_int_eq(rusage_parse_io(&io, text), 0);
	ck_assert_uint_eq(io.rchar, 1234);
	ck_assert_uint_eq(io.wchar, 56);
	ck_assert_uint_eq(io.read_bytes, 4096);
	ck_assert_uint_eq(io.write_bytes, 8192);
}
END_TEST

START_TEST(test_parse_io_partial)
{
	struct rusage_io io;

	/* Missing fields stay 0; no trailing newline; largest value. */
	ck_assert_int_eq(rusage_parse_io(&io, "wchar: 18446744073709551615"), 0);
	ck_assert_uint_eq(io.wchar, UINT64_MAX);
	ck_assert_uint_eq(io.rchar, 0);
	ck_assert_int_eq(rusage_parse_io(&io, ""), 0);
	ck_assert_uint_eq(io.read_bytes, 0);
}
END_TEST

START_TEST(test_parse_io_bad)
{
	struct rusage_io io;

	ck_assert_int_eq(rusage_parse_io(&io, "rchar: x\n"), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad value for 'rchar' in /proc io");
	ck_assert_int_eq(rusage_parse_io(&io, "rchar: 12 kB\n"), ERR_PROTO);
	/* one past UINT64_MAX */
	ck_assert_int_eq(rusage_parse_io(&io, "write_bytes: 18446744073709551616\n"), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad value for 'write_bytes' in /proc io");
	/* a longer name with a known prefix is not the field */
	ck_assert_int_eq(rusage_parse_io(&io, "rcharx: zz\n"), 0);
}
END_TEST

START_TEST(test_parse_status)
{
	const char *text = "Name:\tcat\nVmPeak:\t  10000 kB\nVmSize:\t   9000 kB\n"
	    "VmHWM:\t    1234 kB\nVmRSS:\t     999 kB\n";
	uint64_t kib = 0;

	ck_assert_int_eq(rusage_parse_status_kib(&kib, text, "VmHWM"), 0);
	ck_assert_uint_eq(kib, 1234);
	ck_assert_int_eq(rusage_parse_status_kib(&kib, text, "VmSize"), 0);
	ck_assert_uint_eq(kib, 9000);
	/* a zombie has no Vm lines */
	ck_assert_int_eq(rusage_parse_status_kib(&kib, "Name:\tz\nState:\tZ\n", "VmHWM"),
	    ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "no 'VmHWM' in /proc status");
	ck_assert_int_eq(rusage_parse_status_kib(&kib, "VmHWM:\tlots\n", "VmHWM"), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad value for 'VmHWM' in /proc status");
	ck_assert_int_eq(rusage_parse_status_kib(&kib, "VmHWM:\t12 MB\n", "VmHWM"), ERR_PROTO);
}
END_TEST

START_TEST(test_read_self)
{
	struct rusage_io io;
	char buf[64];

	ck_assert_uint_gt(rusage_self_vm_hwm(), 0);
	ck_assert_int_eq(rusage_read_io(&io, getpid()), 0);
	ck_assert_uint_gt(io.rchar, 0);
	/* pid_max on Linux is at most 2^22: this pid cannot exist */
	ck_assert_int_eq(rusage_read_io(&io, 99999999), ERR_NOTFOUND);
	snprintf(buf, sizeof(buf), "cannot open '/proc/99999999/io'");
	ck_assert_int_eq(strncmp(err_last(), buf, strlen(buf)), 0);
}
END_TEST

START_TEST(test_from_sys)
{
	struct rusage ru;
	struct rusage_sample s;

	memset(&ru, 0, sizeof(ru));
	ru.ru_utime.tv_sec = 2;
	ru.ru_utime.tv_usec = 500;
	ru.ru_stime.tv_usec = 999999;
	ru.ru_maxrss = 4096;
	ru.ru_minflt = 1;
	ru.ru_majflt = 2;
	ru.ru_nvcsw = 3;
	ru.ru_nivcsw = 4;
	ru.ru_inblock = 5;
	ru.ru_oublock = 6;
	rusage_from_sys(&s, &ru);
	ck_assert_uint_eq(s.utime_us, 2000500);
	ck_assert_uint_eq(s.stime_us, 999999);
	ck_assert_uint_eq(s.maxrss_kib, 4096);
	ck_assert_uint_eq(s.minflt + s.majflt + s.nvcsw + s.nivcsw + s.inblock + s.oublock, 21);
	ck_assert_uint_eq(s.oublock, 6);
}
END_TEST

Suite *
rusage_suite(void)
{
	Suite *s = suite_create("rusage");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_parse_io);
	tcase_add_test(tc, test_parse_io_partial);
	tcase_add_test(tc, test_parse_io_bad);
	tcase_add_test(tc, test_parse_status);
	tcase_add_test(tc, test_from_sys);
	suite_add_tcase(s, tc);
	tc = tcase_create("proc");
	tcase_add_test(tc, test_read_self);
	suite_add_tcase(s, tc);
	return s;
}
