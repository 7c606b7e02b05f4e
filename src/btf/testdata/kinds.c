/* Every BTF kind clang emits, and CO-RE relocations of every kind. Built by scripts/build-fixtures.sh. */
typedef unsigned long long u64;
typedef unsigned int u32;
typedef signed char s8;

#define SEC(name) __attribute__((section(name), used))
#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __ttag(x) __attribute__((btf_type_tag(x)))

enum color { RED = 0, GREEN = 1, BLUE = 2 };
enum delta { MINUS = -1, PLUS = 1 };
enum __attribute__((packed)) tiny { TINY_A = 1, TINY_B = 200 };
enum __attribute__((packed)) half { HALF_A = 1, HALF_B = 0x1234 };
enum wide { WIDE_SMALL = 1, WIDE_BIG = 0x123456789ULL };

struct bits {
  unsigned int a : 3;
  unsigned int b : 5;
  int c : 7;
  u64 d __tag("member_tag");
  enum color color;
  char name[8];
} __tag("bits_tag");

union either {
  u32 word;
  unsigned char bytes[4];
};

struct __attribute__((packed)) packed_pair {
  char c;
  u32 n;
};

struct node {
  struct node *next;
  const volatile int *restrict cv;
  int __ttag("user") *user_ptr;
  union either either;
  struct {
    int x;
    int y;
  } anon;
  struct packed_pair pair;
  float f;
  double d;
  int (*callback)(int, struct bits *);
  enum tiny tiny;
  enum half half;
  int (*handlers[2])(void);
  union {
    int alias_a;
    unsigned int alias_b;
  };
};

struct bits global_bits = { .a = 5, .b = 17, .c = -3, .d = 0x1122334455667788ULL, .color = BLUE, .name = "hello" };
const volatile u32 config_value __tag("cfg") = 42;
struct node *global_node;
struct opaque;
struct opaque *opaque_ptr;
enum wide wide_value = WIDE_BIG;
enum delta delta_value = MINUS;
int counter SEC(".data.counters");

static __attribute__((noinline)) int helper(int x __tag("param_tag"), ...) __tag("func_tag");
static __attribute__((noinline)) int helper(int x, ...) { return x * 2; }

SEC("xdp") int entry(struct node *ctx) {
  int out = 0;
  out += __builtin_preserve_access_index(ctx->anon.y);
  out += __builtin_preserve_access_index(ctx->either.bytes[2]);
  struct bits *b = &global_bits;
  out += __builtin_preserve_field_info(b->b, 0);  /* byte offset */
  out += __builtin_preserve_field_info(b->b, 1);  /* byte size */
  out += __builtin_preserve_field_info(b->c, 2);  /* exists */
  out += __builtin_preserve_field_info(b->c, 3);  /* signed */
  out += __builtin_preserve_field_info(b->c, 4);  /* lshift */
  out += __builtin_preserve_field_info(b->c, 5);  /* rshift */
  out += __builtin_btf_type_id(*ctx, 0);           /* local id */
  out += __builtin_btf_type_id(*ctx, 1);           /* target id */
  out += __builtin_preserve_type_info(*ctx, 0);    /* exists */
  out += __builtin_preserve_type_info(*ctx, 1);    /* size */
  out += __builtin_preserve_type_info(*ctx, 2);    /* matches */
  out += __builtin_preserve_enum_value(*(enum color *)BLUE, 0); /* exists */
  out += __builtin_preserve_enum_value(*(enum color *)GREEN, 1); /* value */
  out += helper(out, 1, 2);
  counter += out + config_value + wide_value + delta_value;
  return out;
}

char LICENSE[] SEC("license") = "GPL";
