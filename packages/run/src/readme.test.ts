import { testReadmeExamples } from "../../../scripts/readme-examples";

testReadmeExamples(new URL("../README.md", import.meta.url));
