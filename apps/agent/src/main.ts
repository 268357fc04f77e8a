console.log("conclave");
