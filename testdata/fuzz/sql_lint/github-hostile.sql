-- ::set-output name=x::y 100% ,:: 
::stop-commands::abc [31m <script>|[a](b)</details></pre>
::error::pwned
CREATE INDEX "i::error::x%0A" ON "t
::add-mask::y" (a);
ALTER TABLE t ALTER COLUMN c SET NOT NULL;
