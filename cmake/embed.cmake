# Turns a file into a C source that defines it as a NUL-terminated array of bytes:
#   cmake -DIN=FILE -DOUT=FILE.c -DNAME=symbol -P embed.cmake
# defines `const unsigned char NAME[]` and `const size_t NAME_len` (without the NUL). Hex bytes rather
# than a string literal: no escaping to get wrong, and no limit on a literal's length.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR len "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)"
       "\\1\n" bytes "${bytes}")
file(WRITE ${OUT} "/* Generated from ${IN} by embed.cmake: do not edit. */\n"
                  "#include <stddef.h>\n"
                  "const unsigned char ${NAME}[] = {\n${bytes}0x00};\n"
                  "const size_t ${NAME}_len = ${len};\n")
