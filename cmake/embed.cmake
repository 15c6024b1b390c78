# Turn the varlink interface files into C string literals:
#   const char *const ivt_proto_text[]; const size_t ivt_proto_count;
# Run with -DOUT=file.c -DPROTO_DIR=dir
file(GLOB FILES ${PROTO_DIR}/*.varlink)
list(SORT FILES)
set(body "/* Generated from the proto directory by cmake/embed.cmake. */\n#include <stddef.h>\n\nconst char *const ivt_proto_text[] = {\n")
set(n 0)
foreach(f ${FILES})
  file(READ ${f} txt)
  string(REPLACE "\\" "\\\\" txt "${txt}")
  string(REPLACE "\"" "\\\"" txt "${txt}")
  string(REPLACE "\n" "\\n\"\n\"" txt "${txt}")
  string(APPEND body "\"${txt}\",\n")
  math(EXPR n "${n} + 1")
endforeach()
string(APPEND body "};\nconst size_t ivt_proto_count = ${n};\n")
file(WRITE ${OUT}.tmp "${body}")
file(RENAME ${OUT}.tmp ${OUT})
