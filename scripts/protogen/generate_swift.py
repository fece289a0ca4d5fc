#!/usr/bin/env python3
"""Writes the Swift side of Proto/: message types with their wire schemas, enums, method descriptors
and registries, from a descriptor set that protoc made (`protoc --include_source_info
--descriptor_set_out`). Called by scripts/generate-proto.sh; the output is committed.

    generate_swift.py DESCRIPTOR_SET OUT_DIR      write the Swift files under OUT_DIR
    generate_swift.py DESCRIPTOR_SET --describe   print every service's methods as JSON (for tests)

Where things go: package careerai.rpc.v1 (the envelope) into Sources/Wire/Generated, every other
package into Sources/Contract/Generated. A message that is not a request or response of the API gets
the suffix `Message` in Swift (`Run` → `RunMessage`) so that it never shadows the domain's `Run`.
Each rpc must say who may call it in its leading comment, on a line `access: LEVEL`.
"""
import json
import re
import sys

from google.protobuf import descriptor_pb2

FD = descriptor_pb2.FieldDescriptorProto
ENVELOPE_PACKAGE = "careerai.rpc.v1"
ACCESS_LEVELS = {
    "public": "public",
    "signed-in": "signedIn",
    "verified": "verified",
    "university-admin": "universityAdmin",
    "platform-admin": "platformAdmin",
}
# Words written in capitals when they are not the first word of a name (Swift's API guidelines).
ACRONYMS = {"id": "ID", "url": "URL", "uri": "URI", "json": "JSON"}
SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
    "inout", "internal", "let", "open", "operator", "private", "protocol", "public", "static", "struct",
    "subscript", "typealias", "var", "break", "case", "continue", "default", "defer", "do", "else",
    "fallthrough", "for", "guard", "if", "in", "repeat", "return", "switch", "where", "while", "as",
    "catch", "false", "is", "nil", "rethrows", "super", "self", "Self", "throw", "throws", "true", "try",
}


class GenerationError(Exception):
    pass


def camel(snake, first_upper=False):
    words = [w for w in snake.split("_") if w]
    out = []
    for index, word in enumerate(words):
        lower = word.lower()
        if index == 0 and not first_upper:
            out.append(lower)
        elif lower in ACRONYMS:
            out.append(ACRONYMS[lower])
        else:
            out.append(lower[:1].upper() + lower[1:])
    return "".join(out)


def identifier(name):
    return f"`{name}`" if name in SWIFT_KEYWORDS else name


def upper_snake(camel_name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", camel_name).upper()


class Comments:
    """Leading comments by descriptor path, from SourceCodeInfo."""

    def __init__(self, file_proto):
        self.by_path = {}
        for location in file_proto.source_code_info.location:
            if location.leading_comments:
                self.by_path[tuple(location.path)] = location.leading_comments

    def get(self, *path):
        return self.by_path.get(tuple(path), "")


def doc_lines(comment, indent):
    lines = [line.strip() for line in comment.strip("\n").split("\n")]
    lines = [line for line in lines if not line.lower().startswith("access:")]
    while lines and not lines[-1]:
        lines.pop()
    return [f"{indent}/// {line}".rstrip() for line in lines]


class Generator:
    def __init__(self, descriptor_set):
        self.files = [f for f in descriptor_set.file if f.package.startswith("careerai.")]
        self.swift_names = {}  # ".careerai.v1.Run" -> "RunMessage"
        self.c_names = {}  # ".careerai.v1.Run" -> "careerai__v1__run"
        self.enum_names = set()
        for file_proto in self.files:
            for message in file_proto.message_type:
                full = f".{file_proto.package}.{message.name}"
                self.swift_names[full] = self.message_swift_name(file_proto.package, message.name)
                self.c_names[full] = "__".join(file_proto.package.split(".")) + "__" + upper_snake(message.name).lower()
            for enum in file_proto.enum_type:
                full = f".{file_proto.package}.{enum.name}"
                self.swift_names[full] = enum.name
                self.enum_names.add(full)

    @staticmethod
    def message_swift_name(package, name):
        if package == ENVELOPE_PACKAGE or name.endswith("Request") or name.endswith("Response"):
            return name
        return name + "Message"

    @staticmethod
    def target(package):
        return "Wire" if package == ENVELOPE_PACKAGE else "Contract"

    # MARK: fields

    def field_shape(self, message, field):
        """(swift type, default value, WireField constructor) of one field."""
        repeated = field.label == FD.LABEL_REPEATED
        if field.HasField("oneof_index") and not field.proto3_optional:
            raise GenerationError(f"{message.name}.{field.name}: oneof is not supported by the Swift codec")
        if field.proto3_optional:
            raise GenerationError(f"{message.name}.{field.name}: proto3 optional is refused by protoc-c")
        if field.type == FD.TYPE_MESSAGE:
            nested = self.map_entry(message, field)
            if nested is not None:
                key, value = nested
                if key.type != FD.TYPE_STRING or value.type != FD.TYPE_STRING:
                    raise GenerationError(f"{message.name}.{field.name}: only map<string, string> is supported")
                return "[String: String]", "[:]", "stringMap"
            swift = self.swift_names.get(field.type_name)
            if swift is None:
                raise GenerationError(f"{message.name}.{field.name}: message type {field.type_name} is outside Proto/")
            return (f"[{swift}]", "[]", "repeatedMessage") if repeated else (f"{swift}?", "nil", "message")
        if repeated:
            if field.type == FD.TYPE_STRING:
                return "[String]", "[]", "repeatedString"
            raise GenerationError(f"{message.name}.{field.name}: repeated {field.type} is not supported by the Swift codec")
        if field.type == FD.TYPE_ENUM:
            swift = self.swift_names.get(field.type_name)
            if swift is None:
                raise GenerationError(f"{message.name}.{field.name}: enum {field.type_name} is outside Proto/")
            return swift, f"{swift}(wireValue: 0)", "enumeration"
        scalars = {
            FD.TYPE_INT32: ("Int32", "0", "int32"),
            FD.TYPE_INT64: ("Int64", "0", "int64"),
            FD.TYPE_UINT32: ("UInt32", "0", "uint32"),
            FD.TYPE_UINT64: ("UInt64", "0", "uint64"),
            FD.TYPE_BOOL: ("Bool", "false", "bool"),
            FD.TYPE_STRING: ("String", '""', "string"),
            FD.TYPE_BYTES: ("[UInt8]", "[]", "bytes"),
        }
        if field.type not in scalars:
            raise GenerationError(f"{message.name}.{field.name}: field type {field.type} is not supported by the Swift codec")
        return scalars[field.type]

    @staticmethod
    def map_entry(message, field):
        for nested in message.nested_type:
            if nested.options.map_entry and field.type_name.endswith("." + nested.name):
                return nested.field[0], nested.field[1]
        return None

    # MARK: files

    def message_source(self, file_proto, index, message, comments):
        swift = self.swift_names[f".{file_proto.package}.{message.name}"]
        c_name = self.c_names[f".{file_proto.package}.{message.name}"]
        lines = doc_lines(comments.get(4, index), "")
        lines.append(f"public struct {swift}: WireMessage {{")
        shapes = []
        for field_index, field in enumerate(message.field):
            swift_type, default, constructor = self.field_shape(message, field)
            name = identifier(camel(field.name))
            shapes.append((field, name, swift_type, default, constructor))
            lines += doc_lines(comments.get(4, index, 2, field_index), "    ")
            lines.append(f"    public var {name}: {swift_type} = {default}")
        if shapes:
            lines.append("")
        lines.append("    public init() {}")
        if shapes:
            params = [f"{name}: {swift_type} = {default}" for _, name, swift_type, default, _ in shapes]
            lines.append("")
            one_line = f"    public init({', '.join(params)}) {{"
            if len(one_line) <= 120:
                lines.append(one_line)
            else:
                lines.append("    public init(")
                lines += [f"        {param}," for param in params[:-1]] + [f"        {params[-1]}"]
                lines.append("    ) {")
            for _, name, _, _, _ in shapes:
                bare = name.strip("`")
                lines.append(f"        self.{bare} = {name}")
            lines.append("    }")
        lines.append("")
        if shapes:
            lines.append(f"    public static let wireSchema = WireSchema<{swift}>({c_name}__init, [")
            for field, name, _, _, constructor in shapes:
                lines.append(f'        .{constructor}({field.number}, "{field.name}", \\.{name.strip("`")}),')
            lines.append("    ])")
        else:
            lines.append(f"    public static let wireSchema = WireSchema<{swift}>({c_name}__init, [])")
        lines.append("}")
        return lines

    def enum_source(self, file_proto, index, enum, comments):
        prefix = upper_snake(enum.name) + "_"
        lines = doc_lines(comments.get(5, index), "")
        lines.append(f"public enum {enum.name}: WireEnum, CaseIterable, CustomStringConvertible {{")
        cases = []
        for value_index, value in enumerate(enum.value):
            if not value.name.startswith(prefix):
                raise GenerationError(f"{enum.name}.{value.name}: enum values must start with {prefix}")
            short = value.name[len(prefix):]
            cases.append((identifier(camel(short)), value.number, short))
            lines += doc_lines(comments.get(5, index, 2, value_index), "    ")
            lines.append(f"    case {cases[-1][0]}")
        lines.append("    /// A number this build does not know (a newer peer's); kept so it survives a round trip.")
        lines.append("    case unrecognized(Int32)")
        lines.append("")
        lines.append("    public static let allCases: [Self] = [" + ", ".join("." + c for c, _, _ in cases) + "]")
        lines.append("")
        lines.append("    public init(wireValue: Int32) {")
        lines.append("        switch wireValue {")
        for case, number, _ in cases:
            lines.append(f"        case {number}: self = .{case.strip('`')}")
        lines.append("        default: self = .unrecognized(wireValue)")
        lines.append("        }")
        lines.append("    }")
        lines.append("")
        lines.append("    public var wireValue: Int32 {")
        lines.append("        switch self {")
        for case, number, _ in cases:
            lines.append(f"        case .{case.strip('`')}: return {number}")
        lines.append("        case .unrecognized(let value): return value")
        lines.append("        }")
        lines.append("    }")
        lines.append("")
        lines.append("    public var description: String {")
        lines.append("        switch self {")
        for case, _, short in cases:
            lines.append(f'        case .{case.strip("`")}: return "{short}"')
        lines.append(f'        case .unrecognized(let value): return "{prefix}\\(value)"')
        lines.append("        }")
        lines.append("    }")
        lines.append("}")
        return lines

    def methods(self, file_proto, comments):
        """[(service, [(method proto, swift name, kind, access, doc)])] of one file."""
        services = []
        for service_index, service in enumerate(file_proto.service):
            methods = []
            for method_index, method in enumerate(service.method):
                where = f"{file_proto.package}.{service.name}/{method.name}"
                if method.client_streaming:
                    raise GenerationError(f"{where}: client streaming is not part of the protocol")
                comment = comments.get(6, service_index, 2, method_index)
                levels = re.findall(r"^\s*access:\s*(\S+)\s*$", comment, re.MULTILINE)
                if len(levels) != 1 or levels[0] not in ACCESS_LEVELS:
                    raise GenerationError(
                        f"{where}: its leading comment needs exactly one line 'access: LEVEL' "
                        f"with LEVEL one of {', '.join(ACCESS_LEVELS)}")
                kind = "serverStreaming" if method.server_streaming else "unary"
                methods.append((method, method.name[:1].lower() + method.name[1:], kind, ACCESS_LEVELS[levels[0]],
                                doc_lines(comment, "        ")))
            services.append((service, service_index, methods))
        return services

    def file_source(self, file_proto):
        comments = Comments(file_proto)
        target = self.target(file_proto.package)
        lines = [f"// Generated by scripts/generate-proto.sh from Proto/{file_proto.name}. Do not edit.", ""]
        lines.append("import CareerAIProtoC")
        if target != "Wire":
            lines.append("import RPCCore")
            lines.append("import Wire")
        for index, enum in enumerate(file_proto.enum_type):
            lines.append("")
            lines += self.enum_source(file_proto, index, enum, comments)
        for index, message in enumerate(file_proto.message_type):
            lines.append("")
            lines += self.message_source(file_proto, index, message, comments)
        for service, service_index, methods in self.methods(file_proto, comments):
            if target == "Wire":
                raise GenerationError(f"{service.name}: the envelope package declares no services")
            lines.append("")
            lines += doc_lines(comments.get(6, service_index), "")
            lines.append("extension Methods {")
            lines.append(f"    /// The methods of `{file_proto.package}.{service.name}`.")
            lines.append(f"    public enum {service.name} {{")
            for method, swift, kind, access, doc in methods:
                request = self.swift_names[method.input_type]
                response = self.swift_names[method.output_type]
                lines += doc
                lines.append(f"        public static let {swift} = MethodDescriptor<{request}, {response}>(")
                lines.append(f'            service: "{file_proto.package}.{service.name}", method: "{method.name}", '
                             f"kind: .{kind}, access: .{access})")
            lines.append("")
            lines.append("        public static let all: [AnyMethodDescriptor] = [")
            for _, swift, _, _, _ in methods:
                lines.append(f"            AnyMethodDescriptor({swift}),")
            lines.append("        ]")
            lines.append("    }")
            lines.append("}")
        return "\n".join(lines) + "\n"

    def registry_source(self, target):
        files = [f for f in self.files if self.target(f.package) == target]
        messages = [self.swift_names[f".{f.package}.{m.name}"] for f in files for m in f.message_type]
        lines = ["// Generated by scripts/generate-proto.sh from Proto/. Do not edit.", ""]
        if target == "Wire":
            lines.append("/// Every message type of the envelope, so that tests can check each against its C descriptor.")
            lines.append("public enum WireRegistry {")
        else:
            lines.append("import RPCCore")
            lines.append("import Wire")
            lines.append("")
            lines.append("/// Every message type and every method of the API, declared once from Proto/.")
            lines.append("public enum ContractRegistry {")
        lines.append("    public static let allMessageTypes: [any WireMessage.Type] = [")
        for swift in messages:
            lines.append(f"        {swift}.self,")
        lines.append("    ]")
        if target != "Wire":
            services = [s.name for f in files for s in f.service]
            lines.append("")
            lines.append("    public static let allMethods: [AnyMethodDescriptor] =")
            lines.append("        " + " + ".join(f"Methods.{name}.all" for name in services))
        lines.append("}")
        return "\n".join(lines) + "\n"

    def outputs(self):
        """{relative path: text}."""
        out = {}
        for file_proto in self.files:
            stem = file_proto.name[: -len(".proto")]
            out[f"Sources/{self.target(file_proto.package)}/Generated/{stem}.pb.swift"] = self.file_source(file_proto)
        out["Sources/Wire/Generated/WireRegistry.swift"] = self.registry_source("Wire")
        out["Sources/Contract/Generated/ContractRegistry.swift"] = self.registry_source("Contract")
        return out

    def describe(self):
        services = []
        for file_proto in self.files:
            for service in file_proto.service:
                services.append({
                    "name": f"{file_proto.package}.{service.name}",
                    "methods": [{
                        "name": m.name,
                        "path": f"/{file_proto.package}.{service.name}/{m.name}",
                        "input": m.input_type.lstrip("."),
                        "output": m.output_type.lstrip("."),
                        "server_streaming": m.server_streaming,
                        "client_streaming": m.client_streaming,
                    } for m in service.method],
                })
        return {"services": services}


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    descriptor_set = descriptor_pb2.FileDescriptorSet()
    with open(argv[1], "rb") as handle:
        descriptor_set.ParseFromString(handle.read())
    generator = Generator(descriptor_set)
    try:
        if argv[2] == "--describe":
            json.dump(generator.describe(), sys.stdout, indent=1)
            print()
            return 0
        import os
        for path, text in generator.outputs().items():
            full = os.path.join(argv[2], path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as handle:
                handle.write(text)
    except GenerationError as error:
        print(f"generate-proto: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
