; dhi index query for Java.
; @definition.<kind> marks a definition node and @name its name; @import marks an imported name;
; @ignore marks comments and strings.

(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(annotation_type_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method
; Fields and enum constants.
(field_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.field
(enum_constant name: (identifier) @name) @definition.constant

(import_declaration (scoped_identifier) @import)

(line_comment) @ignore
(block_comment) @ignore
(string_literal) @ignore
