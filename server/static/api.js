// The API explorer: Swagger UI (installed from npm, served from /static/swagger-ui/) over this server's OpenAPI
// description. A file, not an inline script, so the pages' Content-Security-Policy can forbid inline scripts.
const explorer = document.getElementById("swagger-ui");
SwaggerUIBundle({
  url: explorer.dataset.openapiUrl,
  domNode: explorer,
  validatorUrl: null, // the default validator badge would load an image from validator.swagger.io
});
