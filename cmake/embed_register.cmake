# Turn the register of processing activities (conf/register.tsv) into C:
#   const unsigned char ivt_register_text[]; const size_t ivt_register_len;
# as bytes, so no character of the file needs escaping.
# Run with -DOUT=file.c -DIN=conf/register.tsv
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" nhex)
math(EXPR n "${nhex} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# A line break every 16 bytes keeps the generated file readable.
set(b16 "0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,")
string(REGEX REPLACE "(${b16}${b16})" "\\1\n" bytes "${bytes}")
set(body "/* Generated from ${IN} by cmake/embed_register.cmake. */\n")
string(APPEND body "#include <stddef.h>\n\n")
string(APPEND body "const unsigned char ivt_register_text[] = {\n${bytes}0x00};\n")
string(APPEND body "const size_t ivt_register_len = ${n};\n")
file(WRITE ${OUT}.tmp "${body}")
file(RENAME ${OUT}.tmp ${OUT})
