; dhi index query for Python.
; @definition.<kind> marks a definition node and @name its name; @import marks an imported module;
; @ignore marks comments and strings (docstrings included), whose words are not identifier references.

(function_definition name: (identifier) @name) @definition.function
(class_definition name: (identifier) @name) @definition.class
; Module-level values and class attributes (UPPER_CASE names are constants).
(module (expression_statement (assignment left: (identifier) @name (#match? @name "^[A-Z][A-Z0-9_]*$")) @definition.constant))
(module (expression_statement (assignment left: (identifier) @name) @definition.variable))
(class_definition body: (block (expression_statement (assignment left: (identifier) @name) @definition.field)))

(import_statement name: (dotted_name) @import)
(import_statement name: (aliased_import name: (dotted_name) @import))
(import_from_statement module_name: [(dotted_name) (relative_import)] @import)

(comment) @ignore
(string) @ignore
